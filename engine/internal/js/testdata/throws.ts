// A script whose init code throws, for the error location test.
const limit: number = 3
throw new RangeError('limit ' + limit + ' is too low')

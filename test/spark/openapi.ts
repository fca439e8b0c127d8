// A strict check of a manifest against a CRD's openAPIV3Schema, as `kubectl apply
// --validate=strict` does: unknown fields, wrong types, enums, minimums and required fields are
// problems. Enough of OpenAPI v3 for CRDs (properties, additionalProperties, items, enum,
// minimum, required, x-kubernetes-int-or-string, x-kubernetes-preserve-unknown-fields).
export interface OpenAPISchema {
  type?: string
  properties?: Record<string, OpenAPISchema>
  additionalProperties?: OpenAPISchema | boolean
  items?: OpenAPISchema
  enum?: unknown[]
  minimum?: number
  required?: string[]
  'x-kubernetes-int-or-string'?: boolean
  'x-kubernetes-preserve-unknown-fields'?: boolean
}

export function validate (value: unknown, schema: OpenAPISchema, path = ''): string[] {
  const problems: string[] = []
  const at = path || '.'
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) problems.push(`${at}: want an integer or a string`)
    return problems
  }
  switch (schema.type) {
    case 'string': if (typeof value !== 'string') problems.push(`${at}: want a string, got ${JSON.stringify(value)}`); break
    case 'integer': if (!Number.isInteger(value)) problems.push(`${at}: want an integer, got ${JSON.stringify(value)}`); break
    case 'number': if (typeof value !== 'number') problems.push(`${at}: want a number`); break
    case 'boolean': if (typeof value !== 'boolean') problems.push(`${at}: want a boolean`); break
    case 'array':
      if (!Array.isArray(value)) { problems.push(`${at}: want an array`); break }
      if (schema.items) value.forEach((v, i) => problems.push(...validate(v, schema.items as OpenAPISchema, `${path}[${i}]`)))
      break
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) { problems.push(`${at}: want an object`); break }
      const obj = value as Record<string, unknown>
      for (const name of schema.required ?? []) if (!(name in obj)) problems.push(`${at}: missing required field ${name}`)
      for (const [name, v] of Object.entries(obj)) {
        const sub = schema.properties?.[name]
        if (sub) problems.push(...validate(v, sub, `${path}.${name}`))
        else if (typeof schema.additionalProperties === 'object') problems.push(...validate(v, schema.additionalProperties, `${path}.${name}`))
        else if (!schema.additionalProperties && !schema['x-kubernetes-preserve-unknown-fields'] && schema.properties) problems.push(`${path}.${name}: unknown field`)
      }
      break
    }
  }
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`)
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) problems.push(`${at}: below the minimum ${schema.minimum}`)
  return problems
}

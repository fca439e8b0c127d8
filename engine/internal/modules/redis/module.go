// Package redis is the JS module "k6/x/redis": a Redis client for load scripts with
// k6's Redis extension's promise-based API (the subset spate uses and the common commands), written on
// its own RESP2 client. Its Go client (Shared, Client) is also what the k6/x/spate ledger uses.
package redis

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/grafana/sobek"

	"spate.local/engine/internal/contract"
	"spate.local/engine/internal/modules"
)

func init() {
	modules.Register("k6/x/redis", modules.ModuleFunc(newInstance))
}

type moduleInstance struct{ vu modules.VU }

func newInstance(vu modules.VU) (modules.Exports, error) {
	mi := &moduleInstance{vu: vu}
	return modules.Exports{Named: map[string]any{"Client": mi.newClient}}, nil
}

// jsClient backs one JS Client; the connections behind it are shared per URL.
type jsClient struct {
	mi     *moduleInstance
	client *Client
}

func (mi *moduleInstance) newClient(call sobek.ConstructorCall) *sobek.Object {
	rt := mi.vu.Runtime()
	var client *Client
	var err error
	switch arg := call.Argument(0).Export().(type) {
	case string:
		client, err = Shared(arg)
	case map[string]any:
		client, err = SharedOptions(arg)
	default:
		panic(rt.NewTypeError("redis: Client needs a URL string, redis[s]://[[user]:password@]host:port[/db], or an options object {socket: {host, port, tls}, username, password, database}"))
	}
	if err != nil {
		panic(rt.NewGoError(err))
	}
	c := &jsClient{mi: mi, client: client}
	obj := rt.NewObject()
	methods := map[string]func(sobek.FunctionCall) sobek.Value{
		"get":         c.command("get", 1, 1, asGet),
		"set":         c.set,
		"del":         c.command("del", 1, -1, asNumber),
		"exists":      c.command("exists", 1, -1, asNumber),
		"expire":      c.command("expire", 2, 2, asBoolean),
		"ttl":         c.command("ttl", 1, 1, asNumber),
		"incr":        c.command("incr", 1, 1, asNumber),
		"incrBy":      c.command("incrby", 2, 2, asNumber),
		"hset":        c.command("hset", 3, -1, asNumber),
		"hget":        c.command("hget", 2, 2, asGet),
		"hdel":        c.command("hdel", 2, -1, asNumber),
		"hgetall":     c.command("hgetall", 1, 1, asObject),
		"hincrby":     c.command("hincrby", 3, 3, asNumber),
		"hlen":        c.command("hlen", 1, 1, asNumber),
		"sendCommand": c.sendCommand,
	}
	for name, fn := range methods {
		if err := obj.Set(name, fn); err != nil {
			panic(rt.NewGoError(err))
		}
	}
	return obj
}

// convert turns a reply into the value the promise resolves with; an error rejects it.
type convert func(rt *sobek.Runtime, args []string, reply any) (sobek.Value, error)

// command is a method sending name with its arguments (arrays flattened, as del(['a', 'b'])
// and del('a', 'b') mean the same in k6's Redis extension). max -1 means any number.
func (c *jsClient) command(name string, min, max int, conv convert) func(sobek.FunctionCall) sobek.Value {
	return func(call sobek.FunctionCall) sobek.Value {
		args, err := flatten(call.Arguments)
		if err == nil && (len(args) < min || (max >= 0 && len(args) > max)) {
			err = fmt.Errorf("redis: %s() takes %s, got %d", name, arity(min, max), len(args))
		}
		return c.async(append([]string{name}, args...), err, conv)
	}
}

// set(key, value, expiration seconds): k6's Redis extension's signature; 0 or nothing means no expiry.
func (c *jsClient) set(call sobek.FunctionCall) sobek.Value {
	args, err := flatten(call.Arguments)
	if err == nil && (len(args) < 2 || len(args) > 3) {
		err = fmt.Errorf("redis: set() takes a key, a value and an optional expiration in seconds, got %d arguments", len(args))
	}
	cmd := []string{"set"}
	if err == nil {
		cmd = append(cmd, args[0], args[1])
		if len(args) == 3 && args[2] != "0" {
			cmd = append(cmd, "EX", args[2])
		}
	}
	return c.async(cmd, err, asAny)
}

// sendCommand(command, ...args) sends any command and resolves with its reply as JS values.
func (c *jsClient) sendCommand(call sobek.FunctionCall) sobek.Value {
	args, err := flatten(call.Arguments)
	if err == nil && len(args) == 0 {
		err = errors.New("redis: sendCommand() needs a command name")
	}
	return c.async(args, err, asAny)
}

// async runs cmd off the VU's goroutine and settles the returned promise on its event loop.
func (c *jsClient) async(cmd []string, argErr error, conv convert) sobek.Value {
	vu := c.mi.vu
	rt := vu.Runtime()
	promise, resolve, reject := rt.NewPromise()
	if argErr == nil && vu.InInit() {
		argErr = errors.New("redis: commands cannot run in the init context; call them from the default function, setup or teardown")
	}
	if argErr != nil {
		_ = reject(rt.NewGoError(argErr))
		return rt.ToValue(promise)
	}
	ctx := vu.Context()
	settle := vu.Callback()
	go func() {
		reply, err := c.client.Do(ctx, cmd...)
		settle(func() error {
			if err == nil {
				var v sobek.Value
				if v, err = conv(rt, cmd[1:], reply); err == nil {
					return resolve(v)
				}
			}
			return reject(rt.NewGoError(err))
		})
	}()
	return rt.ToValue(promise)
}

// asAny converts any reply: arrays become real JS arrays (not wrapped Go slices), nil null.
func asAny(rt *sobek.Runtime, _ []string, reply any) (sobek.Value, error) {
	return toJS(rt, reply), nil
}

func toJS(rt *sobek.Runtime, reply any) sobek.Value {
	switch x := reply.(type) {
	case nil:
		return sobek.Null()
	case []any:
		items := make([]any, len(x))
		for i, item := range x {
			items[i] = toJS(rt, item)
		}
		return rt.NewArray(items...)
	}
	return rt.ToValue(reply)
}

func asNumber(rt *sobek.Runtime, _ []string, reply any) (sobek.Value, error) {
	n, ok := reply.(int64)
	if !ok {
		return nil, fmt.Errorf("redis: expected an integer reply, got %T", reply)
	}
	return rt.ToValue(n), nil
}

func asBoolean(rt *sobek.Runtime, _ []string, reply any) (sobek.Value, error) {
	n, ok := reply.(int64)
	if !ok {
		return nil, fmt.Errorf("redis: expected an integer reply, got %T", reply)
	}
	return rt.ToValue(n == 1), nil
}

// asGet rejects a missing key or field, as k6's Redis extension's get and hget do.
func asGet(rt *sobek.Runtime, args []string, reply any) (sobek.Value, error) {
	if reply == nil {
		if len(args) == 2 {
			return nil, fmt.Errorf("redis: field %q of key %q does not exist", args[1], args[0])
		}
		return nil, fmt.Errorf("redis: key %q does not exist", args[0])
	}
	return rt.ToValue(reply), nil
}

// asObject turns HGETALL's field, value list into an object.
func asObject(rt *sobek.Runtime, _ []string, reply any) (sobek.Value, error) {
	items, _ := reply.([]any)
	obj := rt.NewObject()
	for i := 0; i+1 < len(items); i += 2 {
		k, _ := items[i].(string)
		if err := obj.Set(k, items[i+1]); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

// flatten turns JS arguments into command arguments: strings as they are, numbers as JS
// writes them, booleans as "true"/"false", arrays element by element.
func flatten(values []sobek.Value) ([]string, error) {
	exported := make([]any, len(values))
	for i, v := range values {
		if v != nil {
			exported[i] = v.Export()
		}
	}
	return appendArgs(make([]string, 0, len(values)), exported)
}

func appendArgs(out []string, values []any) ([]string, error) {
	for _, v := range values {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case int64:
			out = append(out, strconv.FormatInt(x, 10))
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("redis: argument %d is %v; pass a finite number", len(out)+1, x)
			}
			out = append(out, string(contract.AppendJSNumber(nil, x)))
		case bool:
			out = append(out, strconv.FormatBool(x))
		case []any:
			var err error
			if out, err = appendArgs(out, x); err != nil {
				return nil, err
			}
		case nil:
			return nil, fmt.Errorf("redis: argument %d is null or undefined; pass a string, number or boolean", len(out)+1)
		case map[string]any:
			return nil, fmt.Errorf("redis: argument %d must be a string, number or boolean, got an object", len(out)+1)
		default:
			return nil, fmt.Errorf("redis: argument %d must be a string, number or boolean, got a %T", len(out)+1, v)
		}
	}
	return out, nil
}

func arity(min, max int) string {
	switch {
	case max < 0:
		return fmt.Sprintf("at least %d arguments", min)
	case min == max:
		return fmt.Sprintf("%d arguments", min)
	}
	return fmt.Sprintf("%d to %d arguments", min, max)
}

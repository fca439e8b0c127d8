// Grafana's dashboard, panel and Prometheus query schemas as JSON Schema (draft-07), generated at
// test time from the TypeScript types that @grafana/grafana-foundation-sdk ships (Grafana Labs,
// Apache-2.0; the version in package-lock.json). The schema check reads nothing outside the
// repository and follows the SDK whenever package.json moves it.
//
// Each SDK interface becomes a closed object (additionalProperties: false), so a misspelt key is
// caught; enums become their values; `any` accepts anything. The SDK's query and panel "variant"
// markers (interfaces with only a marker method, such as cog.Dataquery) stay open: the panel or
// data source plugin decides their shape, and those are checked with their own types.
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import ts from 'typescript'

export type Schema = Record<string, unknown>

/** A root type of the SDK: its folder (the import path after the package name) and its name. */
export interface SdkType { module: string, name: string }

/** The SDK's dist folder, found the way Node resolves the package from this repository. */
export const sdkDist = dirname(dirname(createRequire(import.meta.url).resolve('@grafana/grafana-foundation-sdk/dashboard')))

/**
 * One JSON Schema per root, sharing one `definitions` table: `schemas[i]` validates `roots[i]`.
 * Definitions are named `<module>.<Type>`, for example `dashboard.Panel`.
 */
export function sdkSchemas (roots: SdkType[]): Schema[] {
  const files = [...new Set(roots.map((r) => join(sdkDist, r.module, 'types.gen.d.ts')))]
  const program = ts.createProgram(files, { noEmit: true, strict: true, skipLibCheck: true, types: [] })
  const checker = program.getTypeChecker()
  const definitions: Record<string, Schema> = {}

  const moduleOf = (declaration: ts.Declaration): string | undefined => {
    const path = relative(sdkDist, declaration.getSourceFile().fileName)
    return path.startsWith('..') ? undefined : path.split(sep)[0]
  }

  /** `<module>.<Name>` for a type declared by name in the SDK (interface, enum, alias), else undefined. */
  const nameOf = (type: ts.Type): string | undefined => {
    const symbol = type.aliasSymbol ?? type.getSymbol()
    const declaration = symbol?.declarations?.[0]
    if (!symbol || !declaration) return undefined
    const named = type.aliasSymbol !== undefined ||
      (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.Enum | ts.SymbolFlags.Class)) !== 0
    if (!named || (type.aliasTypeArguments?.length ?? 0) > 0) return undefined
    if (type.flags & ts.TypeFlags.Object && ((type as ts.ObjectType).objectFlags & ts.ObjectFlags.Reference) &&
      checker.getTypeArguments(type as ts.TypeReference).length > 0) return undefined
    const module = moduleOf(declaration)
    return module === undefined ? undefined : `${module}.${symbol.name}`
  }

  const literalOf = (type: ts.Type): unknown => {
    if (type.isStringLiteral() || type.isNumberLiteral()) return type.value
    return (type as { intrinsicName?: string }).intrinsicName === 'true'
  }
  const isLiteral = (type: ts.Type) => (type.flags & (ts.TypeFlags.StringLiteral | ts.TypeFlags.NumberLiteral | ts.TypeFlags.BooleanLiteral)) !== 0

  const objectSchema = (type: ts.Type): Schema => {
    const properties: Record<string, Schema> = {}
    const required: string[] = []
    const members = checker.getPropertiesOfType(type)
    const fields = members.filter((p) => !(p.flags & ts.SymbolFlags.Method))
    const index = checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & ts.TypeFlags.String)
    // A marker interface (methods only, no fields): an open object that another type describes.
    if (members.length > 0 && fields.length === 0 && !index) return { type: 'object' }
    for (const field of fields) {
      const declaration = field.valueDeclaration ?? field.declarations?.[0]
      if (!declaration) continue
      properties[field.name] = schemaOf(checker.getTypeOfSymbolAtLocation(field, declaration))
      if (!(field.flags & ts.SymbolFlags.Optional)) required.push(field.name)
    }
    return {
      type: 'object',
      properties,
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: index ? schemaOf(index.type) : false,
    }
  }

  const unionSchema = (type: ts.UnionType): Schema => {
    const members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)))
    const trueAndFalse = members.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral)
    const rest = trueAndFalse.length === 2 ? members.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral)) : members
    const options: Schema[] = trueAndFalse.length === 2 ? [{ type: 'boolean' }] : []
    const literals = rest.filter(isLiteral)
    if (literals.length > 0) options.push({ enum: literals.map(literalOf) })
    for (const member of rest.filter((t) => !isLiteral(t))) options.push(schemaOf(member))
    return options.length === 1 ? options[0]! : { anyOf: options }
  }

  const shapeOf = (type: ts.Type): Schema => {
    const flags = type.flags
    if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {}
    if (flags & ts.TypeFlags.String) return { type: 'string' }
    if (flags & ts.TypeFlags.Number) return { type: 'number' }
    if (flags & ts.TypeFlags.Boolean) return { type: 'boolean' }
    if (flags & ts.TypeFlags.Null) return { type: 'null' }
    if (isLiteral(type)) return { const: literalOf(type) }
    if (type.isUnion()) return unionSchema(type)
    if (checker.isArrayType(type)) return { type: 'array', items: schemaOf(checker.getTypeArguments(type as ts.TypeReference)[0]!) }
    if (checker.isTupleType(type)) {
      const items = checker.getTypeArguments(type as ts.TypeReference).map(schemaOf)
      return { type: 'array', items, minItems: items.length, maxItems: items.length }
    }
    if (flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) return objectSchema(type)
    throw new Error(`no JSON Schema for the SDK type '${checker.typeToString(type)}'`)
  }

  function schemaOf (type: ts.Type): Schema {
    const name = nameOf(type)
    if (name === undefined) return shapeOf(type)
    if (!(name in definitions)) {
      definitions[name] = {} // placeholder: a type that refers to itself meets its $ref
      definitions[name] = shapeOf(type)
    }
    return { $ref: `#/definitions/${name}` }
  }

  const refs = roots.map((root) => {
    const file = program.getSourceFile(join(sdkDist, root.module, 'types.gen.d.ts'))
    const moduleSymbol = file && checker.getSymbolAtLocation(file)
    const symbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === root.name)
    if (!symbol) throw new Error(`@grafana/grafana-foundation-sdk has no type ${root.module}.${root.name}; the SDK changed, update the roots in test/dashboards`)
    return schemaOf(checker.getDeclaredTypeOfSymbol(symbol))
  })
  return refs.map((ref) => ({ $schema: 'http://json-schema.org/draft-07/schema#', ...ref, definitions }))
}

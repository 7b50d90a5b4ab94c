import {parse} from 'yaml'

import {type FieldSpec, SPEC_SCHEMA} from './schema.js'

type Raw = Record<string, unknown>

/**
 * The text `cluster init` writes: every key with its value and a comment saying what it does.
 * Values are YAML-level (e.g. "60s"), so the file reads like the documentation.
 */
export function renderSpecYaml(raw: Raw): string {
  const lines = [
    '# seaweed.yaml: a SeaweedFS cluster run by seaweedctl.',
    '# Edit freely; `seaweedctl cluster plan` shows what it becomes. Schema: templates/seaweed.schema.json',
    '',
  ]
  emit(raw, SPEC_SCHEMA, 0, lines)
  return `${lines.join('\n')}\n`
}

function emit(raw: Raw, field: FieldSpec, depth: number, lines: string[]): void {
  if (field.type !== 'object') return
  const indent = '  '.repeat(depth)
  const entries = Object.entries(field.fields)
  const width = Math.max(...entries.map(([key, sub]) => (sub.type === 'object' ? 0 : key.length + 2 + scalar(raw[key], sub).length)))
  for (const [key, sub] of entries) {
    if (sub.type === 'object') {
      lines.push(`${indent}${key}:${' '.repeat(Math.max(1, width - key.length))}# ${sub.doc}`)
      emit(raw[key] as Raw, sub, depth + 1, lines)
      continue
    }
    const text = `${key}: ${scalar(raw[key], sub)}`
    lines.push(`${indent}${text}${' '.repeat(Math.max(1, width - text.length + 1))}# ${sub.doc}`)
  }
}

function scalar(value: unknown, field: FieldSpec): string {
  if (field.type === 'list') return `[${(value as unknown[]).map((item) => (field.item.type === 'object' ? JSON.stringify(item) : scalar(item, field.item))).join(', ')}]`
  // Strings that YAML would read as numbers ("4.48", "001") must stay quoted.
  if (field.type === 'string' || field.type === 'replication') {
    const text = String(value)
    const plain = /^[A-Za-z_./][A-Za-z0-9_./-]*$/.test(text) && !/^(true|false|null|yes|no|on|off)$/i.test(text)
    // ".5" and ".inf" pass the pattern but YAML reads them as numbers.
    return plain && parse(text) === text ? text : JSON.stringify(text)
  }
  return String(value)
}

/** JSON Schema (draft 2020-12) for editors, generated from the same table. */
export function specJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://seaweedctl.dev/seaweed.schema.json',
    title: 'seaweed.yaml',
    ...toJsonSchema(SPEC_SCHEMA),
  }
}

function toJsonSchema(field: FieldSpec): Record<string, unknown> {
  switch (field.type) {
    case 'object':
      return {
        type: 'object',
        description: field.doc,
        additionalProperties: false,
        properties: Object.fromEntries(Object.entries(field.fields).map(([k, v]) => [k, toJsonSchema(v)])),
      }
    case 'integer':
      return {
        type: 'integer', description: field.doc, default: field.default, minimum: field.min, maximum: field.max,
        ...(field.enum ? {enum: [...field.enum]} : {}),
      }
    case 'string':
      return {
        type: 'string', description: field.doc, default: field.default,
        ...(field.enum ? {enum: [...field.enum]} : {}),
        ...(field.pattern ? {pattern: field.pattern.source} : {}),
      }
    case 'replication':
      return {
        description: field.doc, default: field.default,
        anyOf: [{type: 'string', pattern: '^[0-9]{3}$'}, {type: 'integer', minimum: 0, maximum: 255}],
      }
    case 'list':
      return {type: 'array', description: field.doc, default: [], items: toJsonSchema(field.item)}
    case 'boolean':
      return {type: 'boolean', description: field.doc, default: field.default}
    case 'duration':
      return {
        description: field.doc, default: field.default,
        anyOf: [{type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h)$'}, {type: 'number', minimum: 0}],
      }
    case 'size':
      return {
        description: field.doc, default: field.default,
        anyOf: [{type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?\\s*([KMG]i?B|B)?$'}, {type: 'integer', minimum: field.minBytes}],
      }
  }
}

import {isScalar, LineCounter, parseDocument} from 'yaml'

/**
 * Set a number in seaweed.yaml text and change nothing else. The yaml Document API finds the value's exact
 * source range and only those characters are replaced, so comments, blank lines, key order, quoting and
 * indentation survive byte for byte. A key that is not in the file yet is added through the Document API.
 */
export function setNumberInSpecText(text: string, path: string[], value: number): string {
  const doc = parseDocument(text, {lineCounter: new LineCounter(), keepSourceTokens: true})
  const node = doc.getIn(path, true)
  if (isScalar(node) && node.range) {
    const [start, end] = node.range
    return `${text.slice(0, start)}${value}${text.slice(end)}`
  }
  doc.setIn(path, value)
  return doc.toString()
}

/** Set a string in seaweed.yaml text (double-quoted) and change nothing else, as setNumberInSpecText does. */
export function setStringInSpecText(text: string, path: string[], value: string): string {
  const doc = parseDocument(text, {lineCounter: new LineCounter(), keepSourceTokens: true})
  const node = doc.getIn(path, true)
  if (isScalar(node) && node.range) {
    const [start, end] = node.range
    return `${text.slice(0, start)}${JSON.stringify(value)}${text.slice(end)}`
  }
  doc.setIn(path, value)
  return doc.toString()
}

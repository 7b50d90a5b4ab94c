// oclif writes commands in the order their modules finished loading, which varies from run to run. The
// manifest is committed and CI checks it is fresh, so it must be deterministic: sort the commands by id.
import {readFileSync, writeFileSync} from 'node:fs'

const path = new URL('../oclif.manifest.json', import.meta.url)
const manifest = JSON.parse(readFileSync(path, 'utf8'))
manifest.commands = Object.fromEntries(Object.keys(manifest.commands).sort().map((id) => [id, manifest.commands[id]]))
writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`)

// Regenerates templates/seaweed.schema.json from the spec table (run by `npm run build`).
import {writeFileSync} from 'node:fs'

const {specJsonSchema} = await import('../dist/clusterfile/render.js')
writeFileSync(new URL('../templates/seaweed.schema.json', import.meta.url), `${JSON.stringify(specJsonSchema(), null, 2)}\n`)

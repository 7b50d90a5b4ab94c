import * as Flags from '@oclif/core/flags'

/** Flags of every `export` command. */
export const exportFlags = {
  out: Flags.string({char: 'o', summary: 'write the files into this directory (default: print them)'}),
  force: Flags.boolean({summary: 'write into an output directory that is not empty (replaces the files the export writes, leaves others)'}),
}

/** Host engines (supervisord, systemd) run a weed executable by path. */
export const weedFlag = {
  weed: Flags.string({summary: 'path of the weed executable to write (default: the one seaweedctl finds, else `weed`)'}),
}

/** Kubernetes operators (helm, operator) that run an S3 gateway can create buckets. */
export const bucketFlag = {
  bucket: Flags.string({summary: 'a bucket to create at install (repeatable; added to the spec\'s s3.buckets)', multiple: true}),
}

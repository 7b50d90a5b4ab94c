#!/usr/bin/env bash
# The action's first step: refuse bad inputs before anything is installed or started, naming the input and its rule.
# Inputs (environment): VOLUMES, S3, BUCKETS, WEED_VERSION (as action.yml passes them).
# The bucket rule is S3's, as `seaweedctl up --bucket` checks it (src/spec/schema.ts: BUCKET_NAME).
set -uo pipefail

failed=0
refuse() { # INPUT VALUE RULE
  echo "::error title=seaweedctl: bad input '$1'::input '$1' is \"$2\": $3. Nothing was started."
  failed=1
}

bucket_problem() { # NAME -> prints why NAME is not a valid S3 bucket name, nothing when it is
  local b="$1"
  if (( ${#b} < 3 || ${#b} > 63 )); then echo "it has ${#b} characters"
  elif [[ ! "$b" =~ ^[a-z0-9.-]+$ ]]; then echo "it has a character other than a-z, 0-9, '.' and '-'"
  elif [[ ! "$b" =~ ^[a-z0-9].*[a-z0-9]$ ]]; then echo "it does not start and end with a letter or digit"
  elif [[ "$b" == *..* ]]; then echo "it has '..'"
  elif [[ "$b" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then echo "it is an IP address"
  elif [[ "$b" == xn--* || "$b" == sthree-* ]]; then echo "it starts with a prefix S3 reserves (xn--, sthree-)"
  elif [[ "$b" == *-s3alias || "$b" == *--ol-s3 ]]; then echo "it ends with a suffix S3 reserves (-s3alias, --ol-s3)"
  fi
}

volumes="${VOLUMES-4}"
if [[ ! "$volumes" =~ ^[0-9]+$ ]] || (( 10#$volumes < 1 )); then
  refuse volumes "$volumes" "a number of volume servers is a whole number from 1, e.g. 4"
fi

s3="${S3-false}"
if [[ "$s3" != true && "$s3" != false ]]; then
  refuse s3 "$s3" "it is true or false"
fi

buckets="${BUCKETS-}"
for bucket in ${buckets//,/ }; do
  why="$(bucket_problem "$bucket")"
  if [[ -n "$why" ]]; then
    refuse buckets "$bucket" "not a valid S3 bucket name ($why); S3 bucket names are 3-63 lower-case letters, digits, dots and dashes, starting and ending with a letter or digit, no '..', not an IP address"
  fi
done
if [[ -n "${buckets//[ ,]/}" && "$s3" == false ]]; then
  refuse buckets "$buckets" "buckets need the S3 gateway: add s3: true"
fi

version="${WEED_VERSION-4.48}"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]{2}$ ]]; then
  refuse weed-version "$version" "a weed version is MAJOR.MINOR, e.g. 4.48"
fi

exit "$failed"

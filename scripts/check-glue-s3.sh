#!/bin/sh
# Runs the Glue job the way it runs on Glue, with Spark itself reading and writing s3:// (S3DirectStorage),
# against the emulator through Hadoop's S3A connector. Not part of `npm test`: S3A needs hadoop-aws and the
# AWS SDK bundle, 280 MB of jars, fetched once from Maven Central into build/tools (checksums pinned).
# Prints what it checked; exits non-zero when a check fails.
set -eu
cd "$(dirname "$0")/.."

mkdir -p build/tools
fetch() { # group/path, file, sha256
  if [ ! -f "build/tools/$2" ]; then
    echo "check-glue-s3: fetching $2 from Maven Central" >&2
    .venv/bin/python - "https://repo1.maven.org/maven2/$1/$2" "build/tools/$2" "$3" <<'PY'
import hashlib, sys, urllib.request
url, path, sha = sys.argv[1:]
data = urllib.request.urlopen(url, timeout=600).read()
if hashlib.sha256(data).hexdigest() != sha:
    sys.exit(f"check-glue-s3: {url} does not have the expected SHA-256")
open(path + ".tmp", "wb").write(data)
import os; os.replace(path + ".tmp", path)
PY
  fi
}
# hadoop-aws matches the Hadoop client pyspark 3.5.4 ships (3.3.4); the bundle is the SDK it was built with.
fetch org/apache/hadoop/hadoop-aws/3.3.4 hadoop-aws-3.3.4.jar 53f9ae03c681a30a50aa17524bd9790ab596b28481858e54efd989a826ed3a4a
fetch com/amazonaws/aws-java-sdk-bundle/1.12.262 aws-java-sdk-bundle-1.12.262.jar 873fe7cf495126619997bec21c44de5d992544aea7e632fdc77adb1a0915bae5

exec .venv/bin/python test/glue/s3_direct_check.py build/tools/hadoop-aws-3.3.4.jar build/tools/aws-java-sdk-bundle-1.12.262.jar

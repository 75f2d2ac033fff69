#!/bin/sh
# Builds build/ndjson-parquet-glue.jar: the Glue job's JVM line parser (glue/jvm), compiled for Java 17
# (Glue 5) against the Spark and Jackson jars pyspark ships (the versions Glue 5 runs: Spark 3.5, Jackson
# 2.15). Local Spark loads it through spark.jars; the stack uploads it and passes it as --extra-jars.
# Uses javac when a JDK is installed, else the Eclipse compiler from Maven Central, which runs on a JRE.
set -eu
cd "$(dirname "$0")/.."

ECJ_VERSION=3.33.0
ECJ_SHA256=f7686c4960cf70c2ebc5c500a73a8cfc04541b730c18f1c5c21329889b137f45

# Every jar pyspark ships, spelled out: the Eclipse compiler takes no "dir/*" wildcard.
classpath=$(.venv/bin/python -c 'import glob, os, pyspark; print(":".join(sorted(glob.glob(os.path.join(os.path.dirname(pyspark.__file__), "jars", "*.jar")))))')
sources=$(find glue/jvm/src/main/java -name '*.java' | sort)
classes=build/jvm-classes
rm -rf "$classes"
mkdir -p "$classes"

if command -v javac >/dev/null 2>&1; then
  javac --release 17 -nowarn -encoding UTF-8 -cp "$classpath" -d "$classes" $sources
else
  ecj=build/tools/ecj-$ECJ_VERSION.jar
  if [ ! -f "$ecj" ]; then
    echo "build-jar: no javac; fetching the Eclipse compiler $ECJ_VERSION from Maven Central" >&2
    mkdir -p build/tools
    .venv/bin/python - "$ecj" "$ECJ_VERSION" "$ECJ_SHA256" <<'PY'
import hashlib, sys, urllib.request
path, version, sha = sys.argv[1:]
url = f"https://repo1.maven.org/maven2/org/eclipse/jdt/ecj/{version}/ecj-{version}.jar"
data = urllib.request.urlopen(url, timeout=120).read()
if hashlib.sha256(data).hexdigest() != sha:
    sys.exit(f"build-jar: {url} does not have the expected SHA-256")
open(path, "wb").write(data)
PY
  fi
  java -jar "$ecj" --release 17 -nowarn -encoding UTF-8 -cp "$classpath" -d "$classes" $sources
fi

# A jar is a zip; building it with Python's zipfile needs no JDK tool and gives the same bytes every time.
.venv/bin/python - "$classes" build/ndjson-parquet-glue.jar <<'PY'
import os, sys, zipfile
classes, out = sys.argv[1:]
tmp = out + ".tmp"
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as jar:
    jar.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", (1980, 1, 1, 0, 0, 0)), "Manifest-Version: 1.0\r\n\r\n")
    for root, _, files in sorted(os.walk(classes)):
        for name in sorted(files):
            path = os.path.join(root, name)
            info = zipfile.ZipInfo(os.path.relpath(path, classes), (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            jar.writestr(info, open(path, "rb").read())
os.replace(tmp, out)
PY
echo "build-jar: built build/ndjson-parquet-glue.jar" >&2

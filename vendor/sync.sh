#!/usr/bin/env bash
# Refresh the browser assets openbmd ships from the npm registry, at the versions package-lock.json pins.
# Run by hand when a version changes (never at build or run time); commit what it copies.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund --legacy-peer-deps
src=../src/openbmd
copy() {  # copy FILE... DEST-DIR
    local dest="${!#}"
    mkdir -p "$dest"
    cp "${@:1:$#-1}" "$dest"
}
m=node_modules
# The exchange centre's /docs (Swagger UI) and /redoc.
copy $m/swagger-ui-dist/{swagger-ui-bundle.js,swagger-ui.css,favicon-32x32.png,LICENSE,NOTICE} \
    $m/swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt "$src/exchange/static/swagger-ui"
copy $m/redoc/bundles/{redoc.standalone.js,redoc.standalone.js.LICENSE.txt} $m/redoc/LICENSE "$src/exchange/static/redoc"
# The local page of `openbmd view`.
copy $m/d3-array/dist/d3-array.min.js "$src/web/static/vendor"
cp $m/d3-array/LICENSE "$src/web/static/vendor/LICENSE-d3-array"
copy $m/d3-geo/dist/d3-geo.min.js "$src/web/static/vendor"
cp $m/d3-geo/LICENSE "$src/web/static/vendor/LICENSE-d3-geo"
rm -rf node_modules

#!/usr/bin/env bash
# The Debian packages the test suites drive, installed only when missing, with one `apt-get update`:
#   nginx           the shipped proxy config, tested in front of the API (npm test)
#   chromium        the demo page, the cross-site refusal and Swagger UI, driven by playwright-core (npm test,
#                   npm run test:browser); never a browser downloaded by a tool
#   python3-twilio  the real twilio-python client against /v2 (npm test), at /usr/bin/python3
#   docker-compose  `docker-compose config` checks docker-compose.yml (CI)
# Needs root (or sudo) when something is missing. Run: bash scripts/install-test-tools.sh
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c 'import twilio' >/dev/null 2>&1 || missing+=(python3-twilio)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

nginx -v 2>&1 || /usr/sbin/nginx -v
/usr/bin/chromium --version
/usr/bin/python3 -c 'import twilio; print("python3-twilio", twilio.__version__)'
docker-compose version --short

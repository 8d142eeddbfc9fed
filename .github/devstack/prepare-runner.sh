#!/usr/bin/env bash
# Make a GitHub-hosted Ubuntu runner acceptable to DevStack's stack.sh (run before it, as the
# runner user, which has passwordless sudo). Each step removes something the runner image ships
# that stack.sh would trip over.
set -euo pipefail

# The image's MySQL server has its own root password and data directory; DevStack installs and
# configures the database server itself.
sudo systemctl stop mysql.service 2>/dev/null || true
sudo DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq 'mysql-server*' 'mysql-client*' \
  'mysql-common' >/dev/null 2>&1 || true
sudo rm -rf /var/lib/mysql /etc/mysql

# Some runner image versions wrote /etc/hosts lines starting with a literal "-e " (an echo
# quirk; gophercloud/devstack-action strips it too): RabbitMQ then cannot resolve its host name.
sudo sed -i 's/^-e \+//' /etc/hosts

# An Erlang from a third-party repository does not match Ubuntu's rabbitmq-server.
sudo DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq esl-erlang >/dev/null 2>&1 || true

# Distribution Python packages that pip cannot replace when DevStack installs its requirements.
sudo DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq python3-simplejson \
  python3-pyasn1-modules >/dev/null 2>&1 || true

# Horizon runs under Apache: its WSGI daemon as the stack user (here `runner`), its static files
# and the checkout's templates read by Apache's own processes. Ubuntu 24.04 creates home folders
# mode 0750, and so does the runner image for /home/runner, which holds the DevStack checkout:
# let other users traverse it (not list it) so nothing Apache reaches below it is refused.
sudo chmod o+x "$HOME"

sudo apt-get update -qq

# Korean text in the Horizon example's screenshots (headless Chrome draws boxes without a CJK
# font); the browser itself is the image's Google Chrome.
sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  fonts-noto-cjk >/dev/null

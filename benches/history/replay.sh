#!/usr/bin/env bash
# Replays the last N first-parent commits of a repository against one plan
# kept outside it (benches/history/README.md).
#   benches/history/replay.sh REPO_GIT_DIR PLAN [N]      N defaults to 150
# Environment: CONTINUITY_GUARD (the binary), REPLAY_HEAD, REPLAY_AS_OF, REPLAY_KEEP.
set -euo pipefail
exec python3 "$(cd "$(dirname "$0")" && pwd)/replay.py" "$@"

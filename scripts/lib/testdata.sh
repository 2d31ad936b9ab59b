# Sourced (not run) by the scripts that read Meta's reference fixtures: sets `testdata` to $DISRUPT_TESTDATA, else
# to shared/testdata/reference beside the repository, as the Rust tests find it (disrupt_hasher::testdata).
testdata="${DISRUPT_TESTDATA:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/testdata/reference}"

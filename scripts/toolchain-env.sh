# Sourced by scripts and tests: where scripts/toolchain.sh puts the engine. One place for the versions.
export TOFU_VERSION=1.12.6
export KVMS_CACHE="${KVMS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdktf-kvm-microservices}"
export KVMS_MIRROR="$KVMS_CACHE/providers"
export TOFU="$KVMS_CACHE/opentofu/$TOFU_VERSION/tofu"
export TF_CLI_CONFIG_FILE="$KVMS_CACHE/tofu.rc"

"""Stage versions: bump one when its output for the same input would change.

Stored beside every result, so `silkwire reprocess --older-than-version` selects exactly what is stale.
"""

FETCH_VERSION = "fetch/1"
CLEAN_VERSION = "clean/1"
EXTRACT_VERSION = "extract/4"
# Canonical events and agreements linked from the extractions (workers/registry); bump with its rules.
REGISTRY_VERSION = "registry/1"

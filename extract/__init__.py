"""Extraction: papers to typed records, concept links and vectors (spaCy, the vocabulary, the embedder)."""

import sys

# spaCy imports thinc, and thinc imports torch (over a second on this machine) only to offer torch-backed
# layers; the pipelines hepgraph loads run on numpy. torch is hidden while spaCy first loads, so a question
# pays for neither, and is importable again right after (sentence-transformers needs it to embed). A
# process that already holds torch loads spaCy as usual; so does a pipeline that imports torch itself.
if "torch" not in sys.modules and "thinc" not in sys.modules:
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` now raises ImportError
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]

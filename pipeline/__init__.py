"""formscan: scanned contest forms to structured records."""

import sys

__version__ = "0.7.0"

# PyMuPDF 2 imports its optional layout analysis and pymupdf4llm as it is imported, and with
# them ONNX Runtime: ~80 MB and 0.4 s in every process (the runner and each worker) for a
# Markdown export formscan never uses. Marked absent here, before any module of ours imports
# PyMuPDF, it goes on without them (it imports each inside a try).
for _extra in ("pymupdf.layout", "pymupdf4llm"):
    sys.modules.setdefault(_extra, None)  # type: ignore[assignment]

"""nianbao: turn a filled-in workbook into a 政府信息公开工作年度报告.

The library's face. A quick start:
    import nianbao
    sub, report = nianbao.check("填好的.xlsx")
    for finding in report.findings:
        print(finding.line())
    conv = nianbao.convert("填好的.xlsx", formats=("docx", "json"))

Names are imported on first use, so `import nianbao` stays cheap (the CLI's --help and a refused file
never load pandas).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Conversion", "Finding", "Form", "Level", "NianbaoError", "Report", "Status", "Submission", "__version__",
           "annotate", "check", "convert", "load_form"]


class NianbaoError(Exception):
    """The base of every exception nianbao raises on purpose (a refused configuration, a report that cannot
    be read, a refusing mail server): where a person reads its message, it is in Chinese."""

if TYPE_CHECKING:
    from nianbao.conversion import Conversion, Status, annotate, check, convert
    from nianbao.findings import Finding, Level, Report
    from nianbao.form.model import Form, load_form
    from nianbao.workbook.model import Submission

_HOMES = {
    "Conversion": "nianbao.conversion", "Status": "nianbao.conversion", "annotate": "nianbao.conversion",
    "check": "nianbao.conversion", "convert": "nianbao.conversion",
    "Finding": "nianbao.findings", "Level": "nianbao.findings", "Report": "nianbao.findings",
    "Form": "nianbao.form.model", "load_form": "nianbao.form.model",
    "Submission": "nianbao.workbook.model",
}


def __getattr__(name: str) -> Any:
    # PEP 562: the public names resolve on first use, from the module that owns them.
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'nianbao' has no attribute {name!r}")

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value

"""Print, as JSON, the signature, bases and docstring of every public name of a package.

Run as ``python api_dump.py IMPL_DIR`` in a fresh process: both the reference and the stubs are
called ``convolutions``, so each must be imported on its own.
"""

import inspect
import json
import sys

sys.path.insert(0, sys.argv[1])
import convolutions  # noqa: E402


def plain_signature(obj) -> str:
    sig = inspect.signature(obj)
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


def main() -> None:
    out = {"__file__": convolutions.__file__, "__all__": sorted(convolutions.__all__), "names": {}}
    for name in convolutions.__all__:
        obj = getattr(convolutions, name)
        entries = {name: obj}
        if inspect.isclass(obj):
            entries.update({f"{name}.{m}": getattr(obj, m) for m in ("forward", "backward")
                            if m in vars(obj)})
        for qual, target in entries.items():
            out["names"][qual] = {
                "signature": plain_signature(target),
                "doc": inspect.getdoc(target) or "",
                "module_doc": inspect.getdoc(sys.modules[obj.__module__]) or "",
                "bases": [f"{b.__module__}.{b.__qualname__}" for b in inspect.getmro(target)]
                if inspect.isclass(target) else [],
            }
    print(json.dumps(out))


main()

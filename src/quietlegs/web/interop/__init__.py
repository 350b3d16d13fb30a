"""FHIR export and import (interoperability).

Named ``interop`` rather than ``fhir``: the management commands run from
``src/quietlegs/web`` put that folder on ``sys.path``, where a ``fhir`` folder would
hide the ``fhir.resources`` package.
"""

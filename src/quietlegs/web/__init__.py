"""The clinic web app: a thin Django shell over :mod:`quietlegs.assessment`.

No clinical logic lives here: views call the core, models store what it returns.
"""

"""The worker's stages, each declaring its Faust agents on the app it is given (see :mod:`badbuzz.streams.pipeline`)."""

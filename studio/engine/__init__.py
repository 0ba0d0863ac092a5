"""The continuation engine: numpy + onnxruntime. Loads a model file, primes it with a seed
and samples continuations step by step, in a batch of variations, under musical constraints.
"""

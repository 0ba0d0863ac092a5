"""Pure-Python musical core: notes, clips, keys, quantizing and the token encoding.

Nothing here imports Qt, mido, onnxruntime, numpy or torch, so every other layer (and the
training code in models/) can share it.
"""

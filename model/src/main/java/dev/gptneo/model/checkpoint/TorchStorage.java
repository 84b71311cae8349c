package dev.gptneo.model.checkpoint;

/**
 * A storage a {@code torch.save} pickle refers to by persistent id: {@code numel} elements of
 * {@code type}, held in the archive's record {@code data/<key>}. Several tensors may view one
 * storage (a tied head, q/k/v slices of one matrix).
 */
record TorchStorage(TorchStorageType type, String key, long numel) {
}

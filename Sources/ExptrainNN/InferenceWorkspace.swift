/// Scratch memory for `ActorCriticModel.act(…)`: numbered buffers that a model asks for
/// at each step, allocated the first time a size is needed and reused afterwards, so a
/// rollout that runs the same batch step after step allocates nothing after its first step.
///
/// ```swift
/// let workspace = InferenceWorkspace()          // one per rollout loop, kept across steps
/// let hiddenRows = workspace.buffer(0, count: batch * 64)
/// ```
///
/// A buffer's contents are undefined when it is handed out and stay valid until the
/// next request for the same number; a workspace is not shared between threads.
public final class InferenceWorkspace {
    private var buffers: [(memory: UnsafeMutableRawPointer?, byteCount: Int)] = []
    /// The `ParameterStore.version` that the copies a model keeps here (its transposed
    /// weights) were made from; `nil` before any. The model compares and remakes them.
    public var parametersVersion: Int?

    /// An empty workspace.
    public init() {}

    deinit {
        for buffer in buffers { buffer.memory?.deallocate() }
    }

    /// Buffer number `slot`, room for at least `count` values of `Element`, 64-byte aligned.
    /// A slot is meant to hold one kind of value (floats, or table rows).
    public func buffer<Element>(_ slot: Int, count: Int, of _: Element.Type = Float.self) -> UnsafeMutablePointer<Element> {
        while buffers.count <= slot { buffers.append((nil, 0)) }
        let byteCount = max(count, 1) * MemoryLayout<Element>.stride
        if buffers[slot].byteCount < byteCount {
            buffers[slot].memory?.deallocate()
            buffers[slot] = (UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64), byteCount)
        }
        return buffers[slot].memory!.bindMemory(to: Element.self, capacity: max(count, 1))
    }
}

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
    private var buffers: [UnsafeMutableBufferPointer<Float>] = []

    /// An empty workspace.
    public init() {}

    deinit {
        for buffer in buffers where buffer.baseAddress != nil { UnsafeMutableRawPointer(buffer.baseAddress!).deallocate() }
    }

    /// Buffer number `slot`, at least `count` floats long, 64-byte aligned.
    public func buffer(_ slot: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while buffers.count <= slot { buffers.append(UnsafeMutableBufferPointer(start: nil, count: 0)) }
        if buffers[slot].count < count {
            if let old = buffers[slot].baseAddress { UnsafeMutableRawPointer(old).deallocate() }
            let memory = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
                .bindMemory(to: Float.self, capacity: max(count, 1))
            buffers[slot] = UnsafeMutableBufferPointer(start: memory, count: max(count, 1))
        }
        return buffers[slot].baseAddress!
    }
}

import Synchronization

/// Keeps the value buffers of dead tensors for the next tensors of the same size, so a
/// rollout that runs the same model on the same batch shape step after step stops
/// allocating value buffers after its first step.
///
/// ```swift
/// let pool = TensorBufferPool()          // one per rollout loop, kept across steps
/// for step in 0..<numSteps {
///     let output = withoutGradients(reusing: pool) { model.forward(…) }
///     …                                   // when output dies, its buffers go back to the pool
/// }
/// ```
///
/// Buffers return to the pool when their tensor is freed, wherever that happens, so the
/// free lists sit behind a mutex; the pool frees what it holds when it is freed itself.
public final class TensorBufferPool: Sendable {
    /// Free buffers as addresses (pointers are not `Sendable`): a stack per size in floats,
    /// found through `stackOfSize`. Stacks are never removed, so once every size has one and
    /// each stack has grown, taking and giving back change elements only and allocate nothing
    /// (a dictionary of arrays, modified in place, allocated at every take).
    private let freeBuffers = Mutex<(stackOfSize: [Int: Int], stacks: [[UInt]], created: Int)>(([:], [], 0))

    /// An empty pool.
    public init() {}

    deinit {
        freeBuffers.withLock { state in
            for address in state.stacks.joined() {
                UnsafeMutableRawPointer(bitPattern: address)!.deallocate()
            }
        }
    }

    /// How many buffers the pool has had to allocate so far (the rest were reused).
    public var buffersCreated: Int {
        freeBuffers.withLock { $0.created }
    }

    /// A buffer of `count` floats, reused if one is free.
    func take(count: Int) -> UnsafeMutablePointer<Float> {
        let reused: UInt? = freeBuffers.withLock { state in
            if let stack = state.stackOfSize[count], let address = state.stacks[stack].popLast() { return address }
            state.created += 1
            return nil
        }
        if let reused {
            return UnsafeMutablePointer(bitPattern: reused)!
        }
        return TensorStorage.allocate(count)
    }

    /// Takes back a buffer that `take(count:)` gave out.
    func give(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        let address = UInt(bitPattern: buffer)
        freeBuffers.withLock { state in
            if let stack = state.stackOfSize[count] {
                state.stacks[stack].append(address)
            } else {
                state.stackOfSize[count] = state.stacks.count
                state.stacks.append([address])
            }
        }
    }
}

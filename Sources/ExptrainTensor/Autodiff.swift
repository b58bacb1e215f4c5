import Synchronization

/// Pulls the gradient of an operation's result back to its inputs: given the result
/// and d(loss)/d(result), it adds each input's share into
/// `input.gradientAccumulator()` (skipping inputs that return `nil`).
public typealias Pullback = (_ result: Tensor, _ resultGradient: UnsafePointer<Float>) -> Void

/// How a recorded result was computed: its inputs and its pullback.
///
/// The tape is the recorded graph itself. Each result made while recording keeps its
/// record, and `backward()` plays the records reachable from the loss back in reverse
/// order of computation. There is no global tape, so nothing global needs a lock: the
/// graph lives exactly as long as the loss that refers to it, and tapes built in
/// different tasks or threads never meet.
final class GradientRecord {
    let inputs: [Tensor]
    let pullback: Pullback

    init(inputs: [Tensor], pullback: @escaping Pullback) {
        self.inputs = inputs
        self.pullback = pullback
    }
}

/// Whether operations record what they compute for `backward()`.
///
/// The mode is a `@TaskLocal`: it is bound per task (and per thread outside tasks), so
/// a rollout in one task can run without gradients while another task trains. It is the
/// only context the autodiff needs, and it is immutable shared state, as Swift 6 requires.
public enum GradientMode {
    /// `true` (the default) while results are recorded.
    @TaskLocal public static var isRecording = true
    /// Where new tensors take their value buffers from, inside `withoutGradients(reusing:)`.
    @TaskLocal public static var bufferPool: TensorBufferPool?
}

/// Runs `body` without recording: results of operations carry no graph, so no
/// pullbacks are kept and the only memory used is the results' values. For rollouts.
///
/// ```swift
/// let output = withoutGradients { model.forward(observations: o, masks: m, hidden: h, steps: 1, environments: n) }
/// ```
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isRecording.withValue(false, operation: body)
}

/// Runs `body` without recording, taking the value buffers of new tensors from `pool`
/// (and returning them there when the tensors die): the rollout form, which stops
/// allocating value buffers once the pool has one of each size the model needs.
///
/// ```swift
/// let pool = TensorBufferPool()
/// let output = withoutGradients(reusing: pool) { model.forward(…) }
/// ```
public func withoutGradients<R>(reusing pool: TensorBufferPool, _ body: () throws -> R) rethrows -> R {
    try GradientMode.$bufferPool.withValue(pool) {
        try GradientMode.$isRecording.withValue(false, operation: body)
    }
}

/// Runs `body` recording as around it, taking the value and gradient buffers of new
/// tensors from `pool` (and returning them there when the tensors die): the training form,
/// for a minibatch step whose graph dies before the next one, so that steps of the same
/// shapes stop allocating buffers once the pool has one of each size.
///
/// ```swift
/// let pool = TensorBufferPool()              // one per training loop, kept across minibatches
/// let total = reusingBuffers(from: pool) {
///     let loss = ppo(batch, model.forward(…)).loss
///     loss.backward()
///     return loss.scalar                     // the graph dies here, its buffers go back
/// }
/// ```
public func reusingBuffers<R>(from pool: TensorBufferPool, _ body: () throws -> R) rethrows -> R {
    try GradientMode.$bufferPool.withValue(pool, operation: body)
}

extension Tensor {
    /// Whether a result computed from `input` must be recorded.
    @inline(__always)
    public static func shouldRecord(_ input: Tensor) -> Bool {
        input.requiresGradient && GradientMode.isRecording
    }

    /// Whether a result computed from `first` and `second` must be recorded.
    @inline(__always)
    public static func shouldRecord(_ first: Tensor, _ second: Tensor) -> Bool {
        (first.requiresGradient || second.requiresGradient) && GradientMode.isRecording
    }

    /// Whether a result computed from `inputs` must be recorded.
    public static func shouldRecord(_ inputs: [Tensor]) -> Bool {
        inputs.contains { $0.requiresGradient } && GradientMode.isRecording
    }

    /// Records that this tensor was computed from `inputs`, with the pullback `backward()`
    /// will call. The extension point for differentiable operations defined outside this
    /// module (a fused GRU cell, say): compute the values, then, if
    /// `Tensor.shouldRecord(…)`, call this. The pullback must not capture the result (it
    /// is passed in), or the graph would never be freed.
    public func recordGradient(inputs: [Tensor], pullback: @escaping Pullback) {
        precondition(record == nil && !isGradientLeaf, "a tensor is recorded once, and leaves are not recorded")
        record = GradientRecord(inputs: inputs, pullback: pullback)
    }

    /// Where a pullback adds d(loss)/d(self): `nil` if no gradient flows into this tensor,
    /// else a buffer of `count` floats (zeroed on first use for recorded results).
    public func gradientAccumulator() -> UnsafeMutablePointer<Float>? {
        if let gradientStorage { return gradientStorage.base }
        guard record != nil else { return nil }
        let storage = TensorStorage(zeroedCount: count)
        gradientStorage = storage
        return storage.base
    }

    /// Back-propagates from this scalar: adds d(self)/d(leaf) into the gradient buffer of
    /// every leaf it was computed from (for a model, its `ParameterStore`'s gradients).
    ///
    /// Gradients accumulate, as in PyTorch: zero them before each backward pass.
    /// Intermediate gradients are freed as soon as they have been pulled back.
    public func backward() {
        precondition(count == 1, "backward() starts from a scalar loss, not shape \(shape)")
        guard record != nil else {
            if isGradientLeaf { gradientStorage!.base.pointee += 1 }
            return
        }
        let order = recordedAncestorsInTopologicalOrder()
        gradientAccumulator()!.pointee += 1
        for tensor in order.reversed() {
            guard let record = tensor.record, let gradient = tensor.gradientStorage else { continue }
            record.pullback(tensor, gradient.base)
            tensor.gradientStorage = nil
        }
    }

    /// The recorded tensors this one depends on (itself included), each after all its
    /// recorded inputs. Iterative, because a recurrent model over a long rollout makes
    /// graphs deeper than a recursive walk's stack would allow. A visited tensor carries
    /// this traversal's number (`traversalMark`), which needs no set to allocate and hash.
    private func recordedAncestorsInTopologicalOrder() -> [Tensor] {
        let mark = Tensor.traversals.add(1, ordering: .relaxed).newValue
        var order: [Tensor] = []
        var stack: [(tensor: Tensor, inputsDone: Bool)] = [(self, false)]
        while let (tensor, inputsDone) = stack.popLast() {
            if inputsDone {
                order.append(tensor)
                continue
            }
            guard tensor.traversalMark != mark else { continue }
            tensor.traversalMark = mark
            stack.append((tensor, true))
            for input in tensor.record!.inputs where input.record != nil && input.traversalMark != mark {
                stack.append((input, false))
            }
        }
        return order
    }

    /// The number of the last `backward()` traversal, over all threads.
    private static let traversals = Atomic<UInt64>(0)
}

import ExptrainRandom

/// A Float32 tensor: a shape and contiguous, row-major values, with reverse-mode
/// automatic differentiation.
///
/// Operations return new tensors. While gradients are recorded (the default) and an
/// input requires a gradient (a parameter, or a tensor made with
/// `requiresGradient: true`), the result remembers its inputs and how to pull a
/// gradient back through itself; `backward()` on a scalar then accumulates
/// d(loss)/d(parameter) into each parameter's gradient buffer. Inside
/// `withoutGradients { … }` nothing is recorded.
///
/// ```swift
/// let weight = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6], requiresGradient: true)
/// let input = Tensor(shape: [4, 3], repeating: 1)
/// let loss = matmul(input, weight, transposeB: true).tanh().sum()   // recorded
/// loss.backward()                                                  // weight.gradient filled
///
/// let action = withoutGradients { matmul(input, weight, transposeB: true) }  // records nothing
/// ```
///
/// Training a model whose parameters live in a `ParameterStore` (ExptrainNN) reads the same:
///
/// ```swift
/// let loss = lossFunction(model.forward(…))      // a scalar Tensor; the graph is recorded
/// model.parameters.zeroGradients()
/// loss.backward()                                 // into model.parameters' gradient buffer
/// let rollout = withoutGradients(reusing: pool) { model.forward(…) }
/// ```
///
/// Where the tape lives: there is no global tape. The tape is the recorded graph itself
/// (see `GradientRecord`), owned by the tensors that refer to it and freed with the loss.
/// The only context is `GradientMode`, whose switches are `@TaskLocal` values: bound per
/// task (per thread outside tasks), immutable from everyone else's point of view, so
/// Swift 6's strict concurrency has nothing to protect.
///
/// Tensors are reference types so that a recorded graph can share them; their values
/// are not changed by operations. `withUnsafeMutableBufferPointer` lets a caller fill a
/// tensor it made (an observation batch, say) before using it.
public final class Tensor {
    /// The size of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// The number of values (the product of `shape`).
    public let count: Int
    @usableFromInline let storage: TensorStorage
    /// The first value, inside `storage` (views share storage at an offset).
    @usableFromInline let pointer: UnsafeMutablePointer<Float>

    /// Where d(loss)/d(self) accumulates: fixed for leaves that require a gradient,
    /// allocated during `backward()` for recorded results, `nil` otherwise.
    var gradientStorage: TensorStorage?
    /// For leaves: the gradient buffer is theirs to keep (parameters, user leaves).
    let isGradientLeaf: Bool
    /// How this tensor was computed, when that was recorded.
    var record: GradientRecord?
    /// The `backward()` traversal that last reached this tensor (each has its own number).
    var traversalMark: UInt64 = 0

    init(shape: [Int], storage: TensorStorage, offset: Int = 0, gradientStorage: TensorStorage? = nil) {
        let count = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "tensor axes cannot be negative: \(shape)")
        precondition(offset + count <= storage.count || count == 0, "a tensor of \(count) values does not fit its storage")
        self.shape = shape
        self.count = count
        self.storage = storage
        self.pointer = storage.base + offset
        self.gradientStorage = gradientStorage
        self.isGradientLeaf = gradientStorage != nil
    }

    /// An uninitialised tensor, for operations that write every value.
    convenience init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: shape.reduce(1, *)))
    }

    /// A tensor holding `values` (row-major), optionally a leaf that collects a gradient.
    public convenience init(shape: [Int], values: [Float], requiresGradient: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        let storage = TensorStorage(uninitializedCount: values.count)
        values.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: values.count) }
        self.init(shape: shape, storage: storage, gradientStorage: requiresGradient ? TensorStorage(zeroedCount: values.count) : nil)
    }

    /// A tensor with every value equal to `value`.
    public convenience init(shape: [Int], repeating value: Float) {
        self.init(uninitializedShape: shape)
        pointer.update(repeating: value, count: count)
    }

    /// A scalar (shape `[]`).
    public convenience init(_ scalar: Float) {
        self.init(shape: [], repeating: scalar)
    }

    /// A tensor whose values are not set: for operations (in other modules too) that
    /// write every value through `withUnsafeMutableBufferPointer` before anything reads it.
    public static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(uninitializedShape: shape)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, repeating: 0)
    }

    /// A tensor of standard normal values drawn from `generator` (for tests and initialisation).
    public static func randomNormal(_ shape: [Int], using generator: inout RandomGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        for index in 0..<result.count { result.pointer[index] = generator.nextNormal() }
        return result
    }

    /// A view of memory owned by someone else, with its gradient buffer: how a
    /// `ParameterStore` hands out its parameters. Both buffers must outlive `owner`'s uses.
    public static func parameter(
        shape: [Int], values: UnsafeMutablePointer<Float>, gradients: UnsafeMutablePointer<Float>, owner: AnyObject
    ) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(
            shape: shape,
            storage: TensorStorage(viewing: values, count: count, owner: owner),
            gradientStorage: TensorStorage(viewing: gradients, count: count, owner: owner)
        )
    }

    /// The values, row-major.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// The only value of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "scalar of a tensor of shape \(shape)")
        return pointer[0]
    }

    /// The value at row-major position `index`.
    public subscript(flat index: Int) -> Float {
        precondition(index >= 0 && index < count, "index \(index) out of \(count) values")
        return pointer[index]
    }

    /// Reads the values without copying them.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// Writes the values in place: for filling a tensor you made (an input batch)
    /// before it is used. Changing a tensor that a recorded graph has used corrupts its gradients.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// Whether gradients flow into this tensor (a leaf with a gradient buffer, or a recorded result).
    public var requiresGradient: Bool { isGradientLeaf || record != nil }

    /// The accumulated gradient of a leaf made with `requiresGradient: true` (`nil` for other tensors).
    public var gradient: [Float]? {
        guard isGradientLeaf, let gradientStorage else { return nil }
        return Array(UnsafeBufferPointer(start: gradientStorage.base, count: count))
    }

    /// Sets a leaf's accumulated gradient to zero.
    public func zeroGradient() {
        if isGradientLeaf { gradientStorage?.base.update(repeating: 0, count: count) }
    }

    /// The same values, cut off from the graph: gradients do not flow through the result.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, offset: pointer - storage.base)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), values: [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

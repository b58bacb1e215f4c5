import ExptrainTensor

/// Every parameter of a model in one contiguous Float32 buffer, and every gradient in
/// another, each parameter a named view into both.
///
/// One buffer means the gradient all-reduce, clipping, the optimizer step and a
/// checkpoint each touch one run of memory. Layers register their parameters while the
/// model is built (`register(_:shape:initialValues:)`), in a stable order that gives the
/// names (`actor.0.weight`); afterwards the layout is fixed.
///
/// ```swift
/// let store = ParameterStore()
/// let weight = store.register("actor.0.weight", shape: [64, 4], initialValues: values)
/// let w = weight.tensor                   // a view; gradients accumulate into the store
/// store.zeroGradients()
/// try store.withGradients { try communicator.allReduce($0, .sum) }
/// for entry in store.entries { write(entry.name, entry.offset, entry.count) }
/// ```
public final class ParameterStore {
    /// Where one parameter lives in the flat buffers.
    public struct Entry: Sendable, Equatable {
        /// The stable name (`actor.0.weight`), the key in checkpoints.
        public let name: String
        /// The parameter's shape (PyTorch's layout for weights: `[out, in]`).
        public let shape: [Int]
        /// Index of the first value in the flat buffers.
        public let offset: Int
        /// Number of values.
        public var count: Int { shape.reduce(1, *) }
    }

    /// The parameters in registration order.
    public private(set) var entries: [Entry] = []
    private var buffers = FlatBuffers(capacity: 1024)
    private var values: UnsafeMutablePointer<Float> { buffers.values }
    private var gradients: UnsafeMutablePointer<Float> { buffers.gradients }
    /// Once a view has been handed out, growing the buffers would leave it dangling.
    private var layoutIsFixed = false
    /// One tensor per parameter, made when the layout is fixed. Parameter tensors are
    /// graph leaves, so the same one can serve every forward pass.
    private var views: [Tensor] = []

    /// An empty store.
    public init() {}

    /// The total number of floats.
    public private(set) var count = 0

    /// The parameters' names, in their stable order.
    public var names: [String] { entries.map(\.name) }

    /// The shape of the parameter called `name`, if there is one.
    public func shape(of name: String) -> [Int]? {
        entries.first { $0.name == name }?.shape
    }

    /// The entry called `name`, if there is one.
    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// Adds a parameter after the existing ones, with its gradient set to zero.
    ///
    /// - Precondition: `name` is new, `initialValues` fills `shape`, and no parameter's
    ///   tensor has been used yet.
    public func register(_ name: String, shape: [Int], initialValues: [Float]) -> Parameter {
        precondition(!layoutIsFixed, "parameter \(name) registered after the model was used")
        precondition(entry(named: name) == nil, "two parameters are called \(name)")
        let size = shape.reduce(1, *)
        precondition(initialValues.count == size, "\(initialValues.count) initial values for \(name) of shape \(shape)")
        reserve(count + size)
        let entry = Entry(name: name, shape: shape, offset: count)
        initialValues.withUnsafeBufferPointer { (values + count).update(from: $0.baseAddress!, count: size) }
        (gradients + count).update(repeating: 0, count: size)
        entries.append(entry)
        count += size
        return Parameter(store: self, index: entries.count - 1)
    }

    /// The tensor viewing the parameter at `index` of `entries`, whose gradient is its slice
    /// of the gradient buffer. Made once and reused: the layout is fixed from then on.
    public func tensor(at index: Int) -> Tensor {
        if !layoutIsFixed {
            layoutIsFixed = true
            views = entries.map { entry in
                Tensor.parameter(shape: entry.shape, values: values + entry.offset, gradients: gradients + entry.offset, owner: buffers)
            }
        }
        return views[index]
    }

    /// Reads or writes all values (to broadcast them, load a checkpoint, take a step).
    /// Each call moves `version` on.
    public func withValues<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        version &+= 1
        return try body(UnsafeMutableBufferPointer(start: values, count: count))
    }

    /// A number that changes whenever the values may have been written through
    /// `withValues` (every step, broadcast, checkpoint load and rollback does): what copies
    /// made from the values, such as a model's transposed weights, compare to know they are current.
    public private(set) var version = 0

    /// Reads or writes all gradients (to all-reduce, scale or clip them).
    public func withGradients<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: gradients, count: count))
    }

    /// Sets every gradient to zero, before a backward pass.
    public func zeroGradients() {
        gradients.update(repeating: 0, count: count)
    }

    /// A copy of the values of the parameter called `name`.
    public func values(of name: String) -> [Float]? {
        entry(named: name).map { Array(UnsafeBufferPointer(start: values + $0.offset, count: $0.count)) }
    }

    /// A copy of the gradients of the parameter called `name`.
    public func gradients(of name: String) -> [Float]? {
        entry(named: name).map { Array(UnsafeBufferPointer(start: gradients + $0.offset, count: $0.count)) }
    }

    private func reserve(_ needed: Int) {
        guard needed > buffers.capacity else { return }
        let grown = FlatBuffers(capacity: max(needed, buffers.capacity * 2))
        grown.values.update(from: values, count: count)
        grown.gradients.update(from: gradients, count: count)
        buffers = grown
    }
}

/// The memory behind a store. Parameter tensors keep it alive rather than the store, so
/// that the store can keep its tensors without a reference cycle.
private final class FlatBuffers {
    let values: UnsafeMutablePointer<Float>
    let gradients: UnsafeMutablePointer<Float>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        values = FlatBuffers.allocate(capacity)
        gradients = FlatBuffers.allocate(capacity)
    }

    deinit {
        UnsafeMutableRawPointer(values).deallocate()
        UnsafeMutableRawPointer(gradients).deallocate()
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }
}

/// One registered parameter: a handle a layer keeps to get its tensor at each call.
public struct Parameter {
    /// The store the parameter lives in.
    public let store: ParameterStore
    /// Its position in `store.entries`.
    public let index: Int

    /// Where it lives in the store's buffers.
    public var entry: ParameterStore.Entry { store.entries[index] }

    /// The parameter as a tensor (a view into the store; gradients flow into the store).
    public var tensor: Tensor { store.tensor(at: index) }
}

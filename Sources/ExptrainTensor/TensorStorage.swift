/// A run of Float32 values that a tensor reads. Slices and reshapes share one storage.
@usableFromInline
final class TensorStorage {
    /// Who frees the memory.
    private enum Ownership {
        /// Freed with this storage.
        case owned
        /// Returned to the pool with this storage.
        case pooled(TensorBufferPool)
        /// Someone else's memory (a parameter buffer), kept alive by holding its owner.
        case viewed(AnyObject)
    }

    @usableFromInline let base: UnsafeMutablePointer<Float>
    let count: Int
    private let ownership: Ownership

    /// Memory of its own, uninitialised (every operation writes all of its output); taken
    /// from the `TensorBufferPool` of an enclosing `withoutGradients(reusing:)` if there is one.
    init(uninitializedCount count: Int) {
        self.count = count
        if let pool = GradientMode.bufferPool {
            base = pool.take(count: count)
            ownership = .pooled(pool)
        } else {
            base = TensorStorage.allocate(count)
            ownership = .owned
        }
    }

    /// Memory of its own, set to zero.
    convenience init(zeroedCount count: Int) {
        self.init(uninitializedCount: count)
        base.update(repeating: 0, count: count)
    }

    /// A view of `count` floats at `base`, valid while `owner` lives.
    init(viewing base: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        self.base = base
        self.count = count
        ownership = .viewed(owner)
    }

    deinit {
        switch ownership {
        case .owned: UnsafeMutableRawPointer(base).deallocate()
        case .pooled(let pool): pool.give(base, count: count)
        case .viewed: break
        }
    }

    /// 64-byte aligned memory for `count` floats (at least one, so the pointer is unique).
    static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 1))
    }
}

/// A run of Float32 values that a tensor reads: either memory it owns (64-byte aligned,
/// freed with the storage) or a view into memory kept alive by `owner` (a parameter
/// buffer). Slices and reshapes share one storage.
@usableFromInline
final class TensorStorage {
    @usableFromInline let base: UnsafeMutablePointer<Float>
    let count: Int
    private let owner: AnyObject?

    /// Owned memory, uninitialised: every operation writes all of its output.
    init(uninitializedCount count: Int) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        owner = nil
    }

    /// Owned memory set to zero.
    convenience init(zeroedCount count: Int) {
        self.init(uninitializedCount: count)
        base.update(repeating: 0, count: count)
    }

    /// A view of `count` floats at `base`, valid while `owner` lives.
    init(viewing base: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        self.base = base
        self.count = count
        self.owner = owner
    }

    deinit {
        if owner == nil {
            UnsafeMutableRawPointer(base).deallocate()
        }
    }
}

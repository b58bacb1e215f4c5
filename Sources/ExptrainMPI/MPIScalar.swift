import CMPI

/// A Swift type with a matching MPI datatype, so it can be broadcast.
public protocol MPIScalar: BitwiseCopyable {
    static var mpiDatatype: MPI_Datatype { get }
}

/// A scalar that MPI can also reduce with sum, max and min.
public protocol MPIReducible: MPIScalar {}

extension UInt8: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_byte() } }
extension Int32: MPIReducible { public static var mpiDatatype: MPI_Datatype { cmpi_int32() } }
extension Int64: MPIReducible { public static var mpiDatatype: MPI_Datatype { cmpi_int64() } }
extension UInt64: MPIScalar { public static var mpiDatatype: MPI_Datatype { cmpi_uint64() } }
extension Float: MPIReducible { public static var mpiDatatype: MPI_Datatype { cmpi_float() } }
extension Double: MPIReducible { public static var mpiDatatype: MPI_Datatype { cmpi_double() } }

/// The reduction applied element-wise by `Communicator.allReduce`.
public enum ReductionOperation: String, Sendable, CaseIterable {
    case sum, max, min

    var mpiOp: MPI_Op {
        switch self {
        case .sum: cmpi_op_sum()
        case .max: cmpi_op_max()
        case .min: cmpi_op_min()
        }
    }
}

import ExptrainEnvironment

/// An error every rank of the job raises at the same point of the run, decided from
/// numbers all ranks share (a preemption request merged in the update's all-reduce, the
/// reduced gradient norm), so the job can end with a plain exit on every rank: no
/// `MPI_Abort`, and one message, from rank 0.
public protocol JobWideError: ReportedError {}

extension PreemptedError: JobWideError {}

/// What the pipeline asks of the threads around it. The threads only carry these out.
public enum PipelineAction: Equatable, Sendable {
    /// `count` records of `family` ("unrouted" for messages on no route) met `fate`.
    case counted(family: String, fate: Fate, count: Int)
    /// A message (or part of it) was rejected: this dead letter is in the next batch.
    case deadLetter(DeadLetter)
    /// Write this batch in one transaction.
    case flush(Batch)
}

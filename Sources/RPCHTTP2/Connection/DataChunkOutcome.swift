/// What a connection did with a DATA chunk received on a stream (client and server alike).
enum DataChunkOutcome {
    /// Fed to the stream's deframer; complete messages became events.
    case deframed
    /// The stream is not reading (unknown, ended, or its call has its status): the chunk is
    /// only acknowledged.
    case notReading
    /// The deframer refused the stream's bytes: the stream fails with this.
    case malformed(GRPCMessageDeframer.Failure)
}

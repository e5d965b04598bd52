extension WriteAheadLog {
    /// Removes every record with a sequence greater than `sequence` (Raft: drop conflicting
    /// entries after index `sequence` before appending the leader's). Durable on return.
    ///
    /// Implemented by physical truncation, not a marker record, so replay never has to
    /// reconcile overwritten entries: later segments are removed newest first (then the
    /// directory is synced), and the segment holding `sequence` is cut at the first record
    /// past it and `fdatasync`ed. A crash in between leaves a prefix of the old log that still
    /// holds the kept records, so recovery sees a consistent (if longer) log.
    ///
    /// - Throws: `io` (the log becomes unusable).
    public func truncateSuffix(after sequence: UInt64) throws(WALError) {
        try checkUsable()
        guard let last = lastSequence, last > sequence else { return }
        try poisoningOnFailure { () throws(WALError) in try truncateSuffixValidated(after: sequence)
        }
    }

    private func truncateSuffixValidated(after sequence: UInt64) throws(WALError) {
        if let handle = activeHandle {
            activeHandle = nil
            try fileSystem.close(handle)
        }
        dirty = false  // Everything kept is synced below.
        // Drop whole segments that start after `sequence`, newest first.
        var removedAny = false
        while let newest = segments.last, newest.firstSequence > sequence {
            try fileSystem.remove(joinPath(directory, newest.name))
            segments.removeLast()
            nextOrdinal = newest.ordinal
            removedAny = true
        }
        if removedAny {
            try fileSystem.syncDirectory(directory)
            statistics.directorySyncs += 1
        }
        guard let index = segments.indices.last else { return }
        let segment = segments[index]
        let path = joinPath(directory, segment.name)
        let handle = try fileSystem.open(path, mode: .readWrite)
        activeHandle = handle
        if let segmentLast = segment.lastSequence, segmentLast > sequence {
            let scanned = try readSegment(segment)
            // The segment starts at or before `sequence`, so at least one record is kept.
            let cut = scanned.records.firstIndex { $0.record.sequence > sequence }!
            precondition(cut > 0, "segment \(segment.name) would become empty")
            let offset = scanned.records[cut].offset
            try fileSystem.truncate(handle, to: Int64(offset))
            try fileSystem.syncData(handle)
            statistics.dataSyncs += 1
            segments[index].size = Int64(offset)
            segments[index].lastSequence = scanned.records[cut - 1].record.sequence
        }
    }

    /// Releases whole segments whose records all have sequences below `sequence` (Raft: after a
    /// snapshot at index `sequence - 1` is durable). The last segment is never removed, and
    /// records below `sequence` in the first kept segment stay (callers skip them on replay).
    /// Oldest segments are removed first so a crash leaves a contiguous chain; the directory
    /// is synced once. Durable on return.
    ///
    /// - Returns: the names of the removed segment files.
    /// - Throws: `io` (the log becomes unusable).
    @discardableResult
    public func truncatePrefix(before sequence: UInt64) throws(WALError) -> [String] {
        try checkUsable()
        var removed: [String] = []
        try poisoningOnFailure { () throws(WALError) in
            while segments.count > 1, let last = segments[0].lastSequence, last < sequence {
                try fileSystem.remove(joinPath(directory, segments[0].name))
                removed.append(segments[0].name)
                segments.removeFirst()
            }
            if !removed.isEmpty {
                try fileSystem.syncDirectory(directory)
                statistics.directorySyncs += 1
            }
        }
        return removed
    }
}

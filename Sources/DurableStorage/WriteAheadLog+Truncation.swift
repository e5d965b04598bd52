extension WriteAheadLog {
    /// Removes every record with a sequence greater than `sequence` (Raft: drop conflicting
    /// entries after index `sequence` before appending the leader's). Durable on return.
    ///
    /// Implemented by physical truncation, not a marker record, so replay never has to
    /// reconcile overwritten entries: later segments are removed newest first, the directory
    /// synced after each removal, and the segment holding `sequence` is cut at the first record
    /// past it and `fdatasync`ed. A crash in between leaves a prefix of the old log that still
    /// holds the kept records, so recovery sees a consistent (if longer) log.
    ///
    /// Why a directory sync per removal: a file system may persist unsynced directory entry
    /// changes in any order, so after removing C then B with one sync at the end, a crash can
    /// keep B's removal and lose C's: A, C is a chain with a hole, which recovery refuses.
    /// Syncing after each removal means at most one removal is ever undecided, and either
    /// outcome of it leaves a contiguous chain (A, B, C or A, B). Several segments go only when
    /// a leader overwrites a long suffix, which is rare; a directory fsync each is cheap then.
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
        // Drop whole segments that start after `sequence`, newest first, each durably before
        // the next (see above).
        while let newest = segments.last, newest.firstSequence > sequence {
            try removeSegmentDurably(newest.name)
            segments.removeLast()
            nextOrdinal = newest.ordinal
        }
        guard let index = segments.indices.last else { return }
        let segment = segments[index]
        let path = joinPath(directory, segment.name)
        let handle = try fileSystem.open(path, mode: .readWrite)
        activeHandle = handle
        activeFileBytes = try fileSystem.size(handle)
        if let segmentLast = segment.lastSequence, segmentLast > sequence {
            let scanned = try readSegment(segment)
            // The segment starts at or before `sequence`, so at least one record is kept.
            let cut = scanned.records.firstIndex { $0.record.sequence > sequence }!
            precondition(cut > 0, "segment \(segment.name) would become empty")
            let offset = scanned.records[cut].offset
            // Cut, not zeroed: the records past the cut must not survive in the free tail, where
            // a later recovery could read them back (ftruncate is one durable step; appends
            // allocate free space again, zeroed).
            try fileSystem.truncate(handle, to: Int64(offset))
            try fileSystem.syncData(handle)
            statistics.dataSyncs += 1
            activeFileBytes = Int64(offset)
            segments[index].size = Int64(offset)
            segments[index].lastSequence = scanned.records[cut - 1].record.sequence
        }
        // Everything kept is durable; markers past the cut are gone.
        activeDurableBytes = segments[index].size
        activeMarkedBytes = Int64(WALFormat.segmentHeaderBytes)
    }

    /// Releases whole segments whose records all have sequences below `sequence` (Raft: after a
    /// snapshot at index `sequence - 1` is durable). The last segment is never removed, and
    /// records below `sequence` in the first kept segment stay (callers skip them on replay).
    /// Oldest segments are removed first, the directory synced after each, so a crash leaves a
    /// contiguous chain: with one sync at the end, the file system could persist the removal of
    /// A and C but not of B, leaving B, D, ... with a hole, which recovery refuses. This way at
    /// most one removal is undecided at any time and both of its outcomes are contiguous.
    /// (Accepting a missing prefix instead would need recovery to know the snapshot.) Durable
    /// on return.
    ///
    /// - Returns: the names of the removed segment files.
    /// - Throws: `io` (the log becomes unusable).
    @discardableResult
    public func truncatePrefix(before sequence: UInt64) throws(WALError) -> [String] {
        try checkUsable()
        var removed: [String] = []
        try poisoningOnFailure { () throws(WALError) in
            while segments.count > 1, let last = segments[0].lastSequence, last < sequence {
                try removeSegmentDurably(segments[0].name)
                removed.append(segments[0].name)
                segments.removeFirst()
            }
        }
        return removed
    }

    /// Removes one segment file and syncs the directory, so the removal is decided before the
    /// next one starts.
    private func removeSegmentDurably(_ name: String) throws(WALError) {
        try fileSystem.remove(joinPath(directory, name))
        try fileSystem.syncDirectory(directory)
        statistics.directorySyncs += 1
    }
}

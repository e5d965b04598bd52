extension WriteAheadLog {
    /// One scanned segment: its records with their byte offsets, and where it stopped.
    struct ScannedSegment {
        var header: WALFormat.SegmentHeader
        var records: [(record: Record, offset: Int)] = []
        /// Offset just past the last valid record. In a preallocated segment that ends cleanly the
        /// file goes on with zeros (free space) from here.
        var validEnd: Int
        /// Why scanning stopped before the end of the file, if it did; `refusal` says why the
        /// damage cannot be a torn write (nil: it can).
        var damage: (offset: Int, reason: String, refusal: String?)?
        /// The highest durable byte count a sync marker before the damage recorded.
        var syncedWatermark: Int64?
    }

    /// Lists the segment files in sequence order, checking names.
    func listSegmentNames() throws(WALError) -> [(name: String, firstSequence: UInt64)] {
        var found: [(name: String, firstSequence: UInt64)] = []
        for name in try fileSystem.listDirectory(directory)
        where name.hasSuffix(WALFormat.segmentSuffix) {
            guard let sequence = parseHexName(name.dropLast(WALFormat.segmentSuffix.count)) else {
                throw .inconsistentSegments(
                    directory: directory, reason: "unexpected segment file name \(name)")
            }
            found.append((name, sequence))
        }
        return found.sorted { $0.firstSequence < $1.firstSequence }
    }

    /// Parses every record of one segment's bytes. Checks the header, that the first record's
    /// sequence matches it, and that sequences increase. Damage is returned, not thrown, so the
    /// caller can decide between "torn tail" and "corrupt".
    func scanSegment(name: String, bytes: [UInt8]) throws(WALError) -> ScannedSegment? {
        let header: WALFormat.SegmentHeader
        switch WALFormat.decodeSegmentHeader(bytes) {
        case .success(let decoded): header = decoded
        case .failure: return nil
        }
        guard name == WALFormat.segmentName(firstSequence: header.firstSequence) else {
            throw .inconsistentSegments(
                directory: directory,
                reason: "segment \(name) has header first sequence \(header.firstSequence)")
        }
        var scanned = ScannedSegment(header: header, validEnd: WALFormat.segmentHeaderBytes)
        var offset = WALFormat.segmentHeaderBytes
        var previous: UInt64?
        while offset < bytes.count {
            if header.recordsSyncMarkers, let durable = WALFormat.syncMarker(bytes, at: offset) {
                scanned.syncedWatermark = max(scanned.syncedWatermark ?? durable, durable)
                offset += WALFormat.syncMarkerBytes
                scanned.validEnd = offset
                continue
            }
            switch WALFormat.parseRecord(bytes, at: offset, maxRecordBytes: config.maxRecordBytes) {
            case .record(let record, let next):
                if previous == nil && record.sequence != header.firstSequence {
                    throw .corruptRecord(
                        segment: name, offset: Int64(offset),
                        reason:
                            "first record has sequence \(record.sequence), header says \(header.firstSequence)"
                    )
                }
                if let previous, record.sequence <= previous {
                    throw .corruptRecord(
                        segment: name, offset: Int64(offset),
                        reason: "sequence \(record.sequence) does not follow \(previous)")
                }
                previous = record.sequence
                scanned.records.append((record, offset))
                offset = next
                scanned.validEnd = next
            case .incomplete(let reason), .invalid(let reason):
                // The end of the log in a preallocated segment: nothing but zeros from here (a
                // zero length is no record and no marker, see `WALFormat`).
                if header.isPreallocated && WALFormat.isAllZero(bytes, from: offset) { return scanned }
                scanned.damage = (offset, reason, tornWriteRefusal(bytes, header: header, damageAt: offset))
                return scanned
            }
        }
        return scanned
    }

    /// Why damage at `offset` cannot be a torn write, or nil if it can.
    ///
    /// Safety argument. Only bytes appended after the last successful `sync()` may be lost or
    /// damaged by a crash, and nothing there was acknowledged, so cutting the log at damage in
    /// that region loses nothing acknowledged. Damage in durable bytes is corruption and must
    /// be refused. The log cannot know where the last sync ended, but:
    /// 1. A sync marker records a byte count that was durable when it was appended, so a valid
    ///    marker after the damage that counts past `offset` proves the damage is in durable
    ///    bytes: refused, whatever else holds.
    /// 2. With nothing valid after the damage, it is a tail cut short: torn.
    /// 3. With valid records after it, the damage is torn only if a lost page explains it: the
    ///    OS wrote back a later unsynced page and not this one (or only its first sectors, the
    ///    power going mid-write), which reads as zeros in a file the log only extends, from
    ///    the damage or a sector boundary after it to the page's end. A bit flip or a stray
    ///    write does not look like that.
    /// What stays ambiguous: damage of that shape in the last synced batch when no marker was
    /// appended after its sync (a device that zeroes a synced page); it is cut like a torn
    /// tail, as etcd does with a zero-filled sector.
    func tornWriteRefusal(
        _ bytes: [UInt8], header: WALFormat.SegmentHeader, damageAt offset: Int
    ) -> String? {
        // In a preallocated segment the search stops where the zeros begin (often megabytes
        // before the file's end): nothing starts in zeros.
        let limit = header.isPreallocated ? WALFormat.endOfNonZeroBytes(bytes) : bytes.count
        if header.recordsSyncMarkers,
            let durable = WALFormat.highestSyncMarker(bytes, from: offset + 1, startingBefore: limit),
            durable > offset
        {
            return "a later sync marker says the first \(durable) bytes were synced"
        }
        if WALFormat.damageStartsAtLostPage(bytes, at: offset, maxRecordBytes: config.maxRecordBytes) {
            return nil
        }
        switch WALFormat.scanForValidRecord(
            bytes, from: offset + 1, startingBefore: limit, maxRecordBytes: config.maxRecordBytes)
        {
        case .nothingValidFollows: return nil
        case .validRecordFollows: return "followed by valid records"
        case .undetermined: return "valid records may follow (the bounded scan could not tell)"
        }
    }

    /// The recovery pass run by `init`; see the type's contract.
    func recover() throws(WALError) -> RecoveryReport {
        var report = RecoveryReport()
        let names = try listSegmentNames()
        var previousSegment: Segment?
        for (index, entry) in names.enumerated() {
            let isLast = index == names.count - 1
            let path = joinPath(directory, entry.name)
            let bytes = try fileSystem.readWholeFile(path)
            guard let scanned = try scanSegment(name: entry.name, bytes: bytes) else {
                // A bad header can only be a torn segment creation if this is the last segment
                // and it holds nothing but its (partial) header, or zeros.
                let onlyHeaderArea =
                    bytes.count <= WALFormat.segmentHeaderBytes || WALFormat.isAllZero(bytes, from: 0)
                guard isLast && onlyHeaderArea else {
                    let reason: String
                    if case .failure(let problem) = WALFormat.decodeSegmentHeader(bytes) {
                        reason = problem.reason
                    } else {
                        reason = "bad header"
                    }
                    throw .corruptRecord(
                        segment: entry.name, offset: 0, reason: "segment header: \(reason)")
                }
                try fileSystem.remove(path)
                try fileSystem.syncDirectory(directory)
                report.removedSegments.append(entry.name)
                report.bytesTruncated += Int64(bytes.count)
                continue
            }
            if let previousSegment {
                guard scanned.header.ordinal == previousSegment.ordinal + 1 else {
                    throw .inconsistentSegments(
                        directory: directory,
                        reason:
                            "segment \(entry.name) has ordinal \(scanned.header.ordinal) but follows \(previousSegment.name) with ordinal \(previousSegment.ordinal): a segment is missing or out of order"
                    )
                }
                if let last = previousSegment.lastSequence, scanned.header.firstSequence <= last {
                    throw .inconsistentSegments(
                        directory: directory,
                        reason:
                            "segment \(entry.name) starts at \(scanned.header.firstSequence), not after \(last) of \(previousSegment.name)"
                    )
                }
            }
            var validEnd = bytes.count
            if scanned.damage == nil && scanned.validEnd < bytes.count && !isLast {
                // A sealed segment was cut to its records' end before its successor existed.
                throw .corruptRecord(
                    segment: entry.name, offset: Int64(scanned.validEnd),
                    reason: "zeros after the last record of a sealed (non-last) segment")
            }
            if let damage = scanned.damage {
                guard isLast else {
                    throw .corruptRecord(
                        segment: entry.name, offset: Int64(damage.offset),
                        reason: "\(damage.reason) in a sealed (non-last) segment")
                }
                if let refusal = damage.refusal {
                    throw .corruptRecord(
                        segment: entry.name, offset: Int64(damage.offset),
                        reason: "\(damage.reason), \(refusal)")
                }
                // Torn tail: cut it off durably.
                validEnd = scanned.validEnd
                let handle = try fileSystem.open(path, mode: .readWrite)
                try fileSystem.withClosing(handle) { () throws(WALError) in
                    try fileSystem.truncate(handle, to: Int64(validEnd))
                    try fileSystem.syncData(handle)
                }
                report.bytesTruncated += Int64(bytes.count - validEnd)
                report.truncatedSegment = entry.name
                report.truncatedAtOffset = Int64(damage.offset)
                report.truncationReason = damage.reason
            }
            if scanned.records.isEmpty {
                // A segment with no records: fine only as the last one (crash right after it
                // was started). Its name promises a first sequence that may never come, so
                // remove it; the next append starts a fresh segment.
                guard isLast else {
                    throw .inconsistentSegments(
                        directory: directory,
                        reason: "sealed segment \(entry.name) holds no records")
                }
                try fileSystem.remove(path)
                try fileSystem.syncDirectory(directory)
                report.removedSegments.append(entry.name)
                nextOrdinal = scanned.header.ordinal
                continue
            }
            let segment = Segment(
                name: entry.name, ordinal: scanned.header.ordinal,
                firstSequence: scanned.header.firstSequence,
                lastSequence: scanned.records.last!.record.sequence, size: Int64(scanned.validEnd),
                recordsSyncMarkers: scanned.header.recordsSyncMarkers,
                isPreallocated: scanned.header.isPreallocated)
            // Durable for sure: what a cut just synced; otherwise only the header (the file
            // may hold unsynced bytes a process crash left in the page cache).
            activeDurableBytes =
                scanned.damage == nil ? Int64(WALFormat.segmentHeaderBytes) : Int64(validEnd)
            activeMarkedBytes = scanned.syncedWatermark ?? Int64(WALFormat.segmentHeaderBytes)
            segments.append(segment)
            activeFileBytes = Int64(validEnd)
            report.recordCount += scanned.records.count
            nextOrdinal = segment.ordinal + 1
            previousSegment = segment
        }
        report.segmentCount = segments.count
        if let last = segments.last {
            activeHandle = try fileSystem.open(joinPath(directory, last.name), mode: .readWrite)
        }
        return report
    }

    /// Every record in the log, oldest first, read back from the segment files (including
    /// appended records not yet synced). Call after `init` to replay; cost is a full read.
    ///
    /// - Throws: `corruptRecord` if a segment was damaged after recovery; `io`.
    public func readAll() throws(WALError) -> [Record] {
        try checkUsable()
        var records: [Record] = []
        for segment in segments {
            let scanned = try readSegment(segment)
            records.append(contentsOf: scanned.records.map(\.record))
        }
        return records
    }

    /// Reads and fully validates one tracked segment, up to the end of its records (not its
    /// free tail).
    func readSegment(_ segment: Segment) throws(WALError) -> ScannedSegment {
        let handle = try fileSystem.open(joinPath(directory, segment.name), mode: .readOnly)
        let bytes = try fileSystem.withClosing(handle) { () throws(WALError) in
            try fileSystem.read(handle, count: Int(segment.size), at: 0)
        }
        guard let scanned = try scanSegment(name: segment.name, bytes: bytes) else {
            throw .corruptRecord(
                segment: segment.name, offset: 0, reason: "segment header unreadable")
        }
        if let damage = scanned.damage {
            throw .corruptRecord(
                segment: segment.name, offset: Int64(damage.offset), reason: damage.reason)
        }
        return scanned
    }
}

import Foundation
import Testing

/// `--metrics-listen` on a live 3-node KV group: the scrape follows the Prometheus
/// conventions, the leader gauges agree with `skv kv status`, and after writes and reads the
/// RPC counters, the commit index, the proposals, the appends and the fsync histogram have
/// moved by at least the work done; `/status.json` and `/` answer.
///
/// Nested in ``KVProcessTests`` so that it inherits `.serialized` and the binary check: the
/// process tests never run two clusters at once.
extension KVProcessTests {
    @Suite("MetricsProcessTests")
    struct MetricsProcessTests {
        /// Puts (and gets) the test makes between the two scrapes.
        static let writes = 12

        @Test(.timeLimit(.minutes(2)))
        func scrapedValuesMoveWithTheWork() async throws {
            let root = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let cluster = try SKVProcessCluster(root: root, metrics: true)
            defer { cluster.killAll() }
            try cluster.startAll()
            let leader = try #require(try await cluster.leader(), "no leader: \(cluster.logTail(0))")
            let follower = (leader + 1) % 3

            let before = try scrape(cluster, leader)
            #expect(before.malformed.isEmpty, "malformed lines: \(before.malformed)")
            checkConventions(before)
            #expect(before["skv_raft_is_leader"] == 1)
            #expect(before["skv_raft_leader_id"] == Double(leader + 1))
            #expect(before["skv_raft_term"] >= 1)
            #expect(before["process_resident_memory_bytes"] > Double(1 << 20))
            #expect(before["process_open_fds"] > 3)
            // jemalloc serves the daemon's allocations (a replica holds megabytes: its Raft log,
            // buffers, the Swift runtime's metadata), not glibc.
            #expect(before["skv_allocator_allocated_bytes"] > Double(1 << 20))
            #expect(before["skv_allocator_resident_bytes"] >= before["skv_allocator_allocated_bytes"])
            let followerScrape = try scrape(cluster, follower)
            #expect(followerScrape["skv_raft_is_leader"] == 0)
            #expect(followerScrape["skv_raft_leader_id"] == Double(leader + 1))
            for scrape in [before, followerScrape] {
                #expect(scrape.sum("skv_raft_members", matching: #"role="voter""#) == 3)
                #expect(scrape.sum("skv_raft_members", matching: #"role="learner""#) == 0)
                #expect(scrape.sum("skv_raft_members", matching: #"role="outgoing-voter""#) == 0)
                #expect(scrape["skv_raft_membership_joint"] == 0)
                #expect(scrape.types["skv_raft_membership_index"] == "gauge")
            }

            for k in 0..<Self.writes {
                let put = try await cluster.cli(["put", "metrics\(k)", "value\(k)"])
                try #require(put.status == 0, "put: \(put.stderr)")
                let get = try await cluster.cli(["get", "metrics\(k)"])
                try #require(get.status == 0, "get: \(get.stderr)")
            }

            let after = try scrape(cluster, leader)
            func moved(_ family: String, _ labels: String = "") -> Double {
                after.sum(family, matching: labels) - before.sum(family, matching: labels)
            }
            let writes = Double(Self.writes)
            let put = #"method="skv.kv.KV/Put",code="OK""#
            let get = #"method="skv.kv.KV/Get",code="OK""#
            #expect(moved("skv_rpc_server_handled_total", put) >= writes)
            #expect(moved("skv_rpc_server_handled_total", get) >= writes)
            #expect(moved("skv_rpc_server_handling_seconds_count", put) >= writes)
            #expect(moved("skv_rpc_server_handling_seconds_sum", put) > 0)
            #expect(moved("skv_raft_commit_index") >= writes)
            #expect(after["skv_raft_applied_index"] >= after["skv_raft_commit_index"] - 1)
            #expect(moved("skv_raft_proposals_total") >= writes)
            #expect(moved("skv_raft_read_index_requests_total") >= writes)
            #expect(moved("skv_raft_append_entries_count") > 0)
            #expect(moved("skv_raft_append_bytes_sum") > 0)
            #expect(moved("skv_wal_fsync_duration_seconds_count") >= 1)
            #expect(after["skv_rsm_sessions"] >= 1)
            #expect(after["skv_raft_leader_changes_total"] >= 1)

            let page = try httpGet(port: cluster.metricsPorts[follower], path: "/")
            #expect(page.status == 200 && page.body.contains("<title>swift-skv status</title>"))
            let json = try httpGet(port: cluster.metricsPorts[follower], path: "/status.json")
            #expect(json.status == 200 && json.body.contains(#""leader":\#(leader + 1),"#), "\(json.body)")
            #expect(json.body.contains(#""membershipSummary":"index 0, voters 1,2,3, learners none""#), "\(json.body)")
            #expect(json.body.contains(#""membershipRole":"voter""#), "\(json.body)")
            #expect(try httpGet(port: cluster.metricsPorts[follower], path: "/nothing").status == 404)
        }

        private func scrape(_ cluster: SKVProcessCluster, _ i: Int) throws -> PrometheusText {
            let response = try httpGet(port: cluster.metricsPorts[i], path: "/metrics")
            try #require(response.status == 200, "scrape of node \(i + 1): \(response)")
            return PrometheusText(response.body)
        }

        /// Counters end in `_total`; histograms of durations end in `_seconds` and have buckets,
        /// a sum and a count; every family the daemon exports is `skv_` or `process_`.
        private func checkConventions(_ scrape: PrometheusText) {
            #expect(scrape.types.count > 20, "\(scrape.types)")
            for (family, type) in scrape.types {
                #expect(family.hasPrefix("skv_") || family.hasPrefix("process_"), "\(family)")
                switch type {
                case "counter":
                    #expect(family.hasSuffix("_total"), "counter \(family)")
                case "histogram":
                    #expect(!family.hasSuffix("_total"), "histogram \(family)")
                    #expect(scrape.samples.keys.contains { $0.hasPrefix(family + "_bucket{") }, "\(family) buckets")
                    #expect(scrape.samples.keys.contains { $0.hasPrefix(family + "_count") }, "\(family) count")
                    if family.contains("duration") || family.contains("handling") {
                        #expect(family.hasSuffix("_seconds"), "duration \(family)")
                    }
                default:
                    #expect(type == "gauge", "\(family): \(type)")
                    #expect(!family.hasSuffix("_total"), "gauge \(family)")
                }
            }
            for family in [
                "skv_rpc_server_handled_total", "skv_rpc_server_handling_seconds", "skv_raft_term",
                "skv_raft_commit_index", "skv_raft_applied_index", "skv_raft_proposals_pending",
                "skv_raft_leader_changes_total", "skv_wal_fsync_duration_seconds",
                "skv_raft_read_index_requests_total", "skv_raft_snapshots_taken_total",
                "skv_raft_snapshot_taken_bytes_total", "skv_raft_append_bytes", "skv_rsm_sessions",
                "process_resident_memory_bytes", "process_open_fds", "skv_allocator_allocated_bytes",
                "skv_allocator_resident_bytes",
            ] {
                #expect(scrape.types[family] != nil, "\(family) is not exported")
            }
        }
    }
}

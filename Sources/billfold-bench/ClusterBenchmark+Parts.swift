import ArgumentParser
import BillfoldStore
import ChildProcesses
import Foundation
import SQLKit

#if canImport(Darwin)
    import Darwin
#else
    import Glibc
#endif

/// nginx on loopback in front of the servers, round robin over kept-alive connections, started by the benchmark
/// with a configuration of its own in a directory of its own.
struct NginxProxy {
    let process: ChildProcess
    let url: String

    static func start(executable: String, upstreams: [String], directory: URL) async throws -> NginxProxy {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try freeLoopbackPort()
        let servers = upstreams.map { "        server \($0.replacingOccurrences(of: "http://", with: ""));" }
        let path = directory.path
        // As root the workers would run as nobody, who cannot write the temporary directories here.
        let user = getuid() == 0 ? "user root;\n" : ""
        let configuration = """
            \(user)worker_processes auto;
            daemon off;
            pid \(path)/nginx.pid;
            error_log \(path)/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path \(path)/client-body;
                proxy_temp_path \(path)/proxy;
                fastcgi_temp_path \(path)/fastcgi;
                uwsgi_temp_path \(path)/uwsgi;
                scgi_temp_path \(path)/scgi;
                # A usage batch is held in memory, not spooled to a file, as the servers behind would hold it.
                client_max_body_size 16m;
                client_body_buffer_size 16m;
                upstream billfold {
            \(servers.joined(separator: "\n"))
                    keepalive 128;
                }
                server {
                    listen 127.0.0.1:\(port);
                    location / {
                        proxy_pass http://billfold;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $host;
                        proxy_read_timeout 3600s;
                        proxy_send_timeout 3600s;
                    }
                }
            }

            """
        let file = directory.appendingPathComponent("nginx.conf")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            executable, ["-p", path, "-c", file.path, "-e", "\(path)/error.log"], standardError: .capture)
        let proxy = NginxProxy(process: process, url: "http://127.0.0.1:\(port)")
        // Ready once a server's /health answers through it; an nginx that ended says why in its log.
        for _ in 0..<400 {
            guard process.isRunning else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8))
                throw ValidationError("nginx ended: \(process.standardError) \(log ?? "")")
            }
            if (try? KeepAliveHTTPClient(baseURL: proxy.url).get("/health"))?.status == 200 { return proxy }
            try await Task.sleep(for: .milliseconds(25))
        }
        proxy.stop()
        throw ValidationError("nginx did not listen on 127.0.0.1:\(port)")
    }

    func stop() {
        self.process.send(SIGTERM)
        self.process.waitUntilExit()
    }
}

/// A port on 127.0.0.1 that nothing listens on now, for a server that cannot be told to take any (nginx).
func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw ValidationError("cannot open a socket: errno \(errno)") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            bind(descriptor, address, length) == 0 && getsockname(descriptor, address, &length) == 0
        }
    }
    guard bound else { throw ValidationError("cannot bind a socket on 127.0.0.1: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// CPU time, read from `/proc`, of the Billfold servers, of the benchmark's PostgreSQL and nginx, and of the whole
/// machine.
struct CPUAccounting: Sendable {
    let billfold: [pid_t]
    /// PostgreSQL's server process, whose children are its backends; `nil`: every process named postgres.
    let postmaster: pid_t?
    /// nginx's master process, whose children are its workers.
    let nginx: pid_t

    /// Clock ticks per process at one moment, by group, and the machine's busy ticks.
    struct Sample {
        var groups: [Group: [pid_t: Int]] = [:]
        var machineTicks = 0
        let time = ContinuousClock.now

        /// The CPU seconds each group and the machine used since `earlier`. A process that ended in between is
        /// left out; one that started counts from zero.
        func since(_ earlier: Sample) -> CPUUse {
            func seconds(_ group: Group) -> Double {
                let ticks = (self.groups[group] ?? [:]).reduce(0) { total, entry in
                    total + entry.value - (earlier.groups[group]?[entry.key] ?? 0)
                }
                return Double(ticks) / CPUAccounting.ticksPerSecond
            }
            let wall = earlier.time.duration(to: self.time)
            return CPUUse(
                billfold: seconds(.billfold), postgres: seconds(.postgres), nginx: seconds(.nginx),
                machine: Double(self.machineTicks - earlier.machineTicks) / CPUAccounting.ticksPerSecond,
                wall: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
        }
    }

    enum Group { case billfold, postgres, nginx }

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    func sample() -> Sample {
        var sample = Sample()
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { pid_t($0) } ?? []
        for id in ids {
            guard let process = Self.process(id) else { continue }
            let isPostgreSQL =
                self.postmaster.map { id == $0 || process.parent == $0 } ?? (process.name == "postgres")
            let group: Group? =
                self.billfold.contains(id)
                ? .billfold
                : isPostgreSQL ? .postgres : id == self.nginx || process.parent == self.nginx ? .nginx : nil
            if let group { sample.groups[group, default: [:]][id] = process.ticks }
        }
        sample.machineTicks = Self.machineBusyTicks()
        return sample
    }

    /// The whole machine's busy time so far in ticks, from the first line of `/proc/stat` (user, nice, system,
    /// idle, iowait, irq, softirq, steal; idle and iowait are not busy); 0 where it cannot be read.
    static func machineBusyTicks() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return 0 }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard ticks.count >= 8 else { return 0 }
        return ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
    }

    /// A process's command name, its parent and its user and system time in ticks, from `/proc/ID/stat`.
    static func process(_ id: pid_t) -> (name: String, parent: pid_t, ticks: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(id)/stat", encoding: .utf8),
            let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")")
        else { return nil }
        let name = String(text[text.index(after: open)..<close])
        // After the name: state, the parent (field 4), fields 5 to 13, then utime and stime (fields 14 and 15).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let parent = pid_t(fields[1]), let user = Int(fields[11]),
            let system = Int(fields[12])
        else { return nil }
        return (name, parent, user + system)
    }

    /// The process id of the PostgreSQL server `admin` is connected to, from `postmaster.pid` in its data
    /// directory; `nil` when that cannot be read (another user's files), and every postgres process then counts.
    static func postmaster(of admin: Database) async -> pid_t? {
        guard
            let directory = try? await admin.sql.raw("SELECT current_setting('data_directory') AS d").first(
                decodingColumn: "d", as: String.self),
            let text = try? String(contentsOfFile: directory + "/postmaster.pid", encoding: .utf8)
        else { return nil }
        return text.split(separator: "\n").first.flatMap { pid_t($0) }
    }
}

/// The CPU seconds a part of the benchmark used, by whom.
struct CPUUse {
    let billfold: Double
    let postgres: Double
    let nginx: Double
    /// Every process on the machine, the clients (curl, wrk, this benchmark) among them.
    let machine: Double
    let wall: Double

    var rest: Double { max(0, self.machine - self.billfold - self.postgres - self.nginx) }

    /// CPU per `scale` units by part, and the cores busy on average.
    func description(per units: Int, unit: String, scale: Double) -> String {
        let factor = scale / Double(max(1, units))
        return "CPU s per \(unit): Billfold \(formatted(self.billfold * factor, decimals: 3)), "
            + "PostgreSQL \(formatted(self.postgres * factor, decimals: 3)), "
            + "nginx \(formatted(self.nginx * factor, decimals: 3)), "
            + "clients and the rest \(formatted(self.rest * factor, decimals: 3)); "
            + "\(formatted(self.machine / self.wall, decimals: 2)) cores busy"
    }

    /// What one core of Billfold and one of PostgreSQL each get through, from this part's CPU.
    func capacity(units: Int, unit: String) -> String {
        func perCore(_ seconds: Double) -> String {
            seconds > 0 ? formatted(Double(units) / seconds) : "unmeasured"
        }
        return "a Billfold core does \(perCore(self.billfold)) \(unit), a PostgreSQL core "
            + "\(perCore(self.postgres)); each Billfold core added on a machine of its own adds about the first, "
            + "until PostgreSQL's cores are busy at about the second each"
    }
}

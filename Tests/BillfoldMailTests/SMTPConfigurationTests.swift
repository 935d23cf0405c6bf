import Testing

@testable import BillfoldMail

@Suite("SMTP URLs")
struct SMTPConfigurationTests {
    @Test("smtp:// is STARTTLS on 587 and smtps:// TLS on 465 unless a port is given")
    func defaults() throws {
        let submission = try SMTPConfiguration(url: "smtp://mail.example.com")
        #expect(submission.host == "mail.example.com")
        #expect(submission.port == 587)
        #expect(submission.security == .startTLS)
        #expect(submission.username == nil && submission.password == nil)
        #expect(submission.timeout == .seconds(30))
        #expect(SMTPTransport(configuration: submission).destination == "smtp://mail.example.com:587 (STARTTLS)")

        let tls = try SMTPConfiguration(url: "SMTPS://mail.example.com/", trustRootsFile: "/etc/ca.pem")
        #expect(tls.port == 465)
        #expect(tls.security == .implicitTLS)
        #expect(tls.trustRootsFile == "/etc/ca.pem")
        #expect(SMTPTransport(configuration: tls).destination == "smtps://mail.example.com:465 (TLS)")

        let ipv6 = try SMTPConfiguration(url: "smtp://[::1]:2525")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 2525)
    }

    @Test("user and password are percent-decoded; a password may hold ':' and '@'")
    func credentials() throws {
        let configuration = try SMTPConfiguration(
            url: "smtp://billing%40example.in:p%40ss%3Aw%2Frd%20%E2%82%B9@smtp.example.in:2587")
        #expect(configuration.username == "billing@example.in")
        #expect(configuration.password == "p@ss:w/rd ₹")
        #expect(configuration.port == 2587)
        #expect(configuration.redactedURL == "smtp://billing@example.in@smtp.example.in:2587")

        let raw = try SMTPConfiguration(url: "smtps://apikey:a:b@c@smtp.example.in")
        #expect(raw.username == "apikey")
        #expect(raw.password == "a:b@c")
        #expect(raw.host == "smtp.example.in")

        let userOnly = try SMTPConfiguration(url: "smtp://user@localhost:25")
        #expect(userOnly.username == "user" && userOnly.password == nil)
    }

    @Test(
        "bad URLs are refused with the reason",
        arguments: [
            ("mail.example.com:587", "expected smtp://"),
            ("http://mail.example.com", "the scheme must be smtp"),
            ("smtp://", "host name is missing"),
            ("smtp://mail.example.com:0", "port \"0\""),
            ("smtp://mail.example.com:70000", "port \"70000\""),
            ("smtp://mail.example.com:abc", "port \"abc\""),
            ("smtp://mail.example.com:", "port \"\""),
            ("smtp://user:pa%2@mail.example.com", "password has a \"%\""),
            ("smtp://:secret@mail.example.com", "user name before \"@\" is empty"),
            ("smtp://mail.example.com/path", "has no path"),
            ("smtp://mail.example.com?x=1", "no query"),
            ("smtp://mail example.com", "is not a host name"),
            ("smtp://[::1", "closed with"),
            ("smtp://user:pa%FFss@mail.example.com", "not UTF-8"),
        ])
    func bad(url: String, reason: String) {
        #expect {
            try SMTPConfiguration(url: url)
        } throws: { error in
            guard let error = error as? SMTPConfigurationError else { return false }
            return error.message.contains(reason) && !error.description.contains("secret")
        }
    }
}

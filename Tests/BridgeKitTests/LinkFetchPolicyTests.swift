import Testing
@testable import BridgeKit

/// Links sent by people are never fetched from addresses only Trestle's
/// host can reach, unless the operator allows it.
@Suite struct LinkFetchPolicyTests {
    @Test func privateAndSpecialAddressesAreNotPublic() {
        let inner: [[UInt8]] = [
            [127, 0, 0, 1], [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1], [169, 254, 169, 254],
            [100, 64, 0, 1], [0, 0, 0, 0], [224, 0, 0, 1], [255, 255, 255, 255], [192, 0, 2, 1],
            [UInt8](repeating: 0, count: 15) + [1],                                   // ::1
            [UInt8](repeating: 0, count: 16),                                         // ::
            [0xfd, 0x12] + [UInt8](repeating: 0, count: 14),                          // fd12:: unique local
            [0xfe, 0x80] + [UInt8](repeating: 0, count: 14),                          // fe80:: link-local
            [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1],            // ::ffff:127.0.0.1
            [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 10, 0, 0, 1],             // ::ffff:10.0.0.1
        ]
        for address in inner { #expect(!LinkFetchPolicy.isPublic(address), "\(LinkFetchPolicy.describe(address))") }
        let outside: [[UInt8]] = [
            [93, 184, 216, 34], [172, 32, 0, 1], [100, 128, 0, 1], [8, 8, 8, 8],
            [0x2a, 0x01, 0x04, 0xf8] + [UInt8](repeating: 0, count: 11) + [1],
            [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 8, 8, 4, 4],
        ]
        for address in outside { #expect(LinkFetchPolicy.isPublic(address), "\(LinkFetchPolicy.describe(address))") }
    }

    @Test func hostsAreReadFromLinks() {
        #expect(LinkFetchPolicy.host(of: "https://up.example.org:8443/a/b.png?x=1") == "up.example.org")
        #expect(LinkFetchPolicy.host(of: "http://user:pw@169.254.169.254/latest") == "169.254.169.254")
        #expect(LinkFetchPolicy.host(of: "http://[::1]:8080/x") == "::1")
        #expect(LinkFetchPolicy.host(of: "http:///x") == nil)
    }

    @Test func refusalsByDefaultAndTheOperatorsChoices() async {
        let strict = LinkFetchPolicy(isOwn: { $0.hasPrefix("http://127.0.0.1:9292/avatar/") })
        #expect(await strict.refusal("http://127.0.0.1:8080/admin")?.contains("non-public") == true)
        #expect(await strict.refusal("http://[::1]/x")?.contains("non-public") == true)
        #expect(await strict.refusal("http://localhost/x") != nil, "a name that resolves to loopback")
        #expect(await strict.refusal("file:///etc/passwd") == "not an http(s) link")
        #expect(await strict.refusal("http://127.0.0.1:9292/avatar/abc") == nil, "Trestle's own links")
        let open = LinkFetchPolicy(allowPrivateAddresses: true)
        #expect(await open.refusal("http://127.0.0.1:8080/x") == nil)
        #expect(await open.refusal("gopher://127.0.0.1/x") != nil)
    }
}

import Foundation
import KuraCore
import KuraDirectory
import KuraDirectoryHTTP
import KuraHTTP
import KuraKeyVault
import KuraKeyVaultHTTP
import KuraManagement
import KuraManagementHTTP
import KuraRegistry
import KuraRegistryHTTP
@testable import KuraServer
import KuraTestSupport
import Testing

/// Fuzz (issue 13 §7): the form bodies of the token endpoints (`/oauth2/token` and
/// `/oauth2/exchange` on a registry, `/{tenant}/oauth2/token` on the login host) and query
/// strings, then the `scope` values of a registry token request, as the endpoints read them.
@Suite struct FormParametersFuzzTests {
    static let seeds = [
        "grant_type=password&service=default.cr.localhost&scope=repository%3Ateam%2Fapp%3Apull%2Cpush&username=default&password=p%2Bw%3D",
        "grant_type=refresh_token&refresh_token=eyJhbGciOiJIUzI1NiJ9.e30.c2ln&service=s&scope=repository:a:pull+registry:catalog:*",
        "grant_type=access_token&access_token=a.b.c&service=default.cr.localhost&tenant=22222222-2222-2222-2222-222222222222",
        "client_id=app&client_secret=s3cr%25t&grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.localhost%2F.default",
        "grant_type=client_credentials&resource=https%3A%2F%2Fvault.localhost%3A8443&client_info=1&claims=%7B%7D",
        "a=1&a=2&&=&%zz=%&+=+&x", "scope=repository%3Aa%3Apull&scope=repository%3Ab%3Apush%2Cdelete", "",
    ]

    @Test func formsDecodeAndReencodeToTheSamePairsAndScopesRoundTrip() {
        var unreserved = CharacterSet()
        unreserved.insert(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        var fuzz = FuzzRun("token form body (FormParameters, AccessScope(parsing:))", seed: 0x46_4F52_4D,
                           tokens: FuzzRun.tokens + ["grant_type=", "scope=", "repository:", "registry:catalog:*", ":pull,push", "%3A", "%2C", "%20"])
        let seeds = Self.seeds.map { Array($0.utf8) }
        for _ in 0..<fuzz.cases {
            let body = String(decoding: fuzz.bytes(seeds: seeds, maxLength: 1024), as: UTF8.self)
            fuzz.trace(body)
            let form = FormParameters(Substring(body))
            if form.pairs.isEmpty { fuzz.reject() } else { fuzz.accept() }
            let again = FormParameters(Substring(form.pairs.map { encode($0.key) + "=" + encode($0.value) }.joined(separator: "&")))
            fuzz.check(again.pairs.count == form.pairs.count && zip(again.pairs, form.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value },
                       "the form \(FuzzRun.quoted(body)) does not survive re-encoding")
            _ = (form["grant_type"], form["service"], form["username"], form["password"], form["refresh_token"], form["access_token"])
            for text in form.all("scope").flatMap({ $0.split(separator: " ").map(String.init) }) {
                guard let scope = AccessScope(parsing: text) else { continue }
                fuzz.check(!scope.type.isEmpty && !scope.name.isEmpty && AccessScope(parsing: scope.description) == scope,
                           "scope \(FuzzRun.quoted(text)) parses to \(FuzzRun.quoted(scope.description)), which does not round-trip")
            }
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }
}

import Crypto
import Foundation
import KuraCore
import KuraCrypto
import KuraRegistry
import KuraStorage
import KuraTestSupport
import Testing

/// Fuzz (issue 13 §7): the registry plane's `Authorization: Bearer …` tokens and the refresh
/// tokens of `/oauth2/token`, random and tampered (`alg` none or swapped, segments cut, bits
/// flipped). A token is refused, or it is one this service issued and names its caller.
@Suite struct RegistryTokenFuzzTests {
    static let registry = RegistryRecord(id: "r-fuzz", name: "reg", wrappedDataKey: [], keyGeneration: 1, createdAt: 0)

    /// `token` with its header replaced by `header` (JSON), signature kept or dropped.
    static func reheaded(_ token: String, _ header: String, keepSignature: Bool) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return [Data(header.utf8).base64URLEncodedString(), String(parts[1]), keepSignature ? String(parts[2]) : ""].joined(separator: ".")
    }

    @Test func bearerAndRefreshTokensAreRefusedUnlessIssuedHere() async throws {
        let tokens = await RegistryTokenService(hierarchy: KeyHierarchy(rootKey: SymmetricKey(data: [UInt8](repeating: 0x5A, count: 32))))
        let caller = RegistryCaller.principal(objectID: "fuzz-object")
        let access = try await tokens.issue(caller: caller, access: [AccessScope(type: "repository", name: "team/app", actions: ["pull", "push"])],
                                            registry: Self.registry, service: "reg.cr.localhost")
        let refresh = try await tokens.issueRefreshToken(objectID: "fuzz-object", tenant: "t", registry: Self.registry, service: "reg.cr.localhost")
        var seeds = [access, refresh]
        for token in [access, refresh] {
            for header in [#"{"alg":"none","typ":"JWT"}"#, #"{"alg":"HS512","kid":"registry","typ":"JWT"}"#,
                           #"{"alg":"RS256","kid":"registry","typ":"JWT"}"#, #"{"alg":"HS256","kid":"other","typ":"JWT"}"#,
                           #"{"alg":"HS256","typ":"JWT"}"#, #"{}"#, "[]", "null"] {
                seeds += [Self.reheaded(token, header, keepSignature: true), Self.reheaded(token, header, keepSignature: false)]
            }
        }
        var fuzz = FuzzRun("Authorization Bearer, registry (RegistryTokenService.verify, verifyRefreshToken)", seed: 0x42_4541_52,
                           tokens: FuzzRun.tokens + [".", "..", "eyJ", "=", "-", "_", "+", "/"])
        for index in 0..<fuzz.cases {
            let token = fuzz.string(seeds: seeds, maxLength: 2048)
            fuzz.trace(token)
            if index % 2 == 0 {
                guard let verified = await tokens.verify(token, registry: Self.registry) else { fuzz.reject(); continue }
                fuzz.accept()
                fuzz.check(verified.caller == caller, "\(FuzzRun.quoted(token)) verified as \(verified.caller)")
            } else {
                guard let objectID = await tokens.verifyRefreshToken(token, registry: Self.registry) else { fuzz.reject(); continue }
                fuzz.accept()
                fuzz.check(objectID == "fuzz-object", "\(FuzzRun.quoted(token)) verified as refresh token of \(objectID)")
            }
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }
}

#!/bin/sh
# A connected system's side of SMART Backend Services with openssl alone:
# the public half of an EC P-384 key as a JSON Web Key Set, and client
# assertions (ES384 JWTs) signed with the private half.
#
#   smart-client.sh jwks KEY.pem                     print the key set to register
#   smart-client.sh assertion KEY.pem CLIENT_ID TOKEN_URL
#                                                    print a new assertion, valid 4 minutes
set -eu

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# The key's public point: 04, then x and y, 48 bytes each, at the end of
# its DER public key.
point() { openssl ec -in "$1" -pubout -outform DER 2>/dev/null | tail -c 97 | xxd -p | tr -d '\n'; }

coordinate() { point "$1" | cut -c "$2" | xxd -r -p | b64url; }

# The key's id: a hash of its public point, the same every time.
kid() { point "$1" | xxd -r -p | openssl dgst -sha256 -binary | b64url | cut -c 1-16; }

case "${1:-}" in
jwks)
	printf '{"keys":[{"kty":"EC","crv":"P-384","use":"sig","alg":"ES384","kid":"%s","x":"%s","y":"%s"}]}\n' \
		"$(kid "$2")" "$(coordinate "$2" 3-98)" "$(coordinate "$2" 99-194)"
	;;
assertion)
	key=$2 client=$3 audience=$4
	now=$(date +%s)
	header=$(printf '{"alg":"ES384","typ":"JWT","kid":"%s"}' "$(kid "$key")" | b64url)
	claims=$(printf '{"iss":"%s","sub":"%s","aud":"%s","jti":"%s","iat":%d,"exp":%d}' \
		"$client" "$client" "$audience" "$(openssl rand -hex 16)" "$now" $((now + 240)) | b64url)
	# openssl signs in DER, a sequence of two integers r and s; a JWT
	# carries r and s side by side, 48 bytes each.
	signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha384 -sign "$key" |
		openssl asn1parse -inform DER | sed -n 's/.*INTEGER *://p' |
		while read -r n; do printf '%096s' "$n" | tr ' ' 0; done | xxd -r -p | b64url)
	printf '%s.%s.%s\n' "$header" "$claims" "$signature"
	;;
*)
	sed -n '2,9p' "$0" >&2
	exit 2
	;;
esac

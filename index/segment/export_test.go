package segment

import (
	"encoding/binary"
	"hash/crc32"
)

func appendCRC(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

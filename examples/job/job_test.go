package job

import (
	"errors"
	"testing"
)

var errDiskFull = errors.New("no space left on device")

func TestFailedJobReportsError(t *testing.T) {
	upload := Start(func() error { return errDiskFull })
	<-upload.Done()
	if err := upload.Err(); !errors.Is(err, errDiskFull) {
		t.Fatalf("upload.Err() = %v after Done, want %v", err, errDiskFull)
	}
}

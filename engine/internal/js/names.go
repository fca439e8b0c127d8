package js

import (
	"reflect"
	"strings"
	"unicode"
)

// fieldNames maps Go names to the script's: a `js:"name"` tag wins, otherwise the first letter
// is lowered (Produce -> produce, TopicOffsets -> topicOffsets), as k6 modules expect.
type fieldNames struct{}

func (fieldNames) FieldName(_ reflect.Type, f reflect.StructField) string {
	if tag, ok := f.Tag.Lookup("js"); ok {
		if tag == "-" {
			return ""
		}
		return strings.Split(tag, ",")[0]
	}
	return lowerFirst(f.Name)
}

func (fieldNames) MethodName(_ reflect.Type, m reflect.Method) string {
	return lowerFirst(m.Name)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

/*-
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Userland stand-in for FreeBSD's <bitstring.h>, the functions subr_unit.c
 * uses, with the semantics of FreeBSD 14's sys/sys/bitstring.h
 * (Copyright (c) 1989, 1993 The Regents of the University of California,
 * code contributed by Paul Vixie; Copyright (c) 2014 Spectra Logic
 * Corporation). Only for building the trace generator on Linux.
 */
#ifndef _BITSTRING_H_
#define _BITSTRING_H_
#include <string.h>
typedef	unsigned long bitstr_t;
#define	_BITSTR_MASK (~0UL)
#define	_BITSTR_BITS (sizeof(bitstr_t) * 8)
#define __bitcountl(x) __builtin_popcountl(x)
static inline int _bit_idx(int _bit) { return (_bit / _BITSTR_BITS); }
static inline int _bit_offset(int _bit) { return (_bit % _BITSTR_BITS); }
static inline bitstr_t _bit_mask(int _bit) { return (1UL << _bit_offset(_bit)); }
static inline bitstr_t _bit_make_mask(int _start, int _stop)
{
	return ((_BITSTR_MASK << _bit_offset(_start)) &
	    (_BITSTR_MASK >> (_BITSTR_BITS - _bit_offset(_stop) - 1)));
}
static inline int bit_test(const bitstr_t *_bitstr, int _bit)
{ return ((_bitstr[_bit_idx(_bit)] & _bit_mask(_bit)) != 0); }
static inline void bit_set(bitstr_t *_bitstr, int _bit)
{ _bitstr[_bit_idx(_bit)] |= _bit_mask(_bit); }
static inline void bit_clear(bitstr_t *_bitstr, int _bit)
{ _bitstr[_bit_idx(_bit)] &= ~_bit_mask(_bit); }
static inline void
bit_nset(bitstr_t *_bitstr, int _start, int _stop)
{
	bitstr_t *_stopbitstr;
	_stopbitstr = _bitstr + _bit_idx(_stop);
	_bitstr += _bit_idx(_start);
	if (_bitstr == _stopbitstr) {
		*_bitstr |= _bit_make_mask(_start, _stop);
	} else {
		if (_bit_offset(_start) != 0)
			*_bitstr++ |= _bit_make_mask(_start, _BITSTR_BITS - 1);
		if (_bit_offset(_stop) == _BITSTR_BITS - 1)
			++_stopbitstr;
		while (_bitstr < _stopbitstr)
			*_bitstr++ = _BITSTR_MASK;
		if (_bit_offset(_stop) != _BITSTR_BITS - 1)
			*_stopbitstr |= _bit_make_mask(0, _stop);
	}
}
static inline void
bit_nclear(bitstr_t *_bitstr, int _start, int _stop)
{
	bitstr_t *_stopbitstr;
	_stopbitstr = _bitstr + _bit_idx(_stop);
	_bitstr += _bit_idx(_start);
	if (_bitstr == _stopbitstr) {
		*_bitstr &= ~_bit_make_mask(_start, _stop);
	} else {
		if (_bit_offset(_start) != 0)
			*_bitstr++ &= ~_bit_make_mask(_start, _BITSTR_BITS - 1);
		if (_bit_offset(_stop) == _BITSTR_BITS - 1)
			++_stopbitstr;
		while (_bitstr < _stopbitstr)
			*_bitstr++ = 0;
		if (_bit_offset(_stop) != _BITSTR_BITS - 1)
			*_stopbitstr &= ~_bit_make_mask(0, _stop);
	}
}
static inline void
bit_ff_at(bitstr_t *_bitstr, int _start, int _nbits, int _match, int *_result)
{
	bitstr_t *_curbitstr, *_stopbitstr, _mask, _test;
	int _value;
	if (_start >= _nbits || _nbits <= 0) { *_result = -1; return; }
	_curbitstr = _bitstr + _bit_idx(_start);
	_stopbitstr = _bitstr + _bit_idx(_nbits - 1);
	_mask = _match ? 0 : _BITSTR_MASK;
	_test = _mask ^ *_curbitstr;
	if (_bit_offset(_start) != 0)
		_test &= _bit_make_mask(_start, _BITSTR_BITS - 1);
	while (_test == 0 && _curbitstr < _stopbitstr)
		_test = _mask ^ *(++_curbitstr);
	_value = ((_curbitstr - _bitstr) * _BITSTR_BITS) + ffsl(_test) - 1;
	if (_test == 0 || (_bit_offset(_nbits) != 0 && _value >= _nbits))
		_value = -1;
	*_result = _value;
}
static inline void bit_ffs(bitstr_t *b, int n, int *r) { bit_ff_at(b, 0, n, 1, r); }
static inline void bit_ffc(bitstr_t *b, int n, int *r) { bit_ff_at(b, 0, n, 0, r); }
static inline void
bit_count(bitstr_t *_bitstr, int _start, int _nbits, int *_result)
{
	bitstr_t *_curbitstr, mask;
	int _value = 0, curbitstr_len;
	if (_start >= _nbits)
		goto out;
	_curbitstr = _bitstr + _bit_idx(_start);
	_nbits -= _BITSTR_BITS * _bit_idx(_start);
	_start -= _BITSTR_BITS * _bit_idx(_start);
	if (_start > 0) {
		curbitstr_len = (int)_BITSTR_BITS < _nbits ? (int)_BITSTR_BITS : _nbits;
		mask = _bit_make_mask(_start, _bit_offset(curbitstr_len - 1));
		_value += __bitcountl(*_curbitstr & mask);
		_curbitstr++;
		_nbits -= _BITSTR_BITS;
	}
	while (_nbits >= (int)_BITSTR_BITS) {
		_value += __bitcountl(*_curbitstr);
		_curbitstr++;
		_nbits -= _BITSTR_BITS;
	}
	if (_nbits > 0) {
		mask = _bit_make_mask(0, _bit_offset(_nbits - 1));
		_value += __bitcountl(*_curbitstr & mask);
	}
out:
	*_result = _value;
}
#endif

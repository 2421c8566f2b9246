package stats

import "math"

// This file holds the Kolmogorov distributions SciPy's ks_2samp relies on:
// the limiting distribution (scipy.stats.kstwobign), the finite-n two-sided
// one-sample distribution (scipy.stats.kstwo, Simard & L'Ecuyer 2011) and the
// one-sided Smirnov distribution (scipy.special.smirnov). The branch structure
// and thresholds follow scipy/stats/_ksstats.py and cephes kolmogorov.c of
// SciPy 1.10 so that the results agree with SciPy to about 1e-10 relative.

const (
	e128      = 128
	minLogExp = -708.3964185322641 // cephes MINLOG = log(DBL_MIN)
	maxLogExp = -708               // _MIN_LOG in _ksstats.py
	sqrt2Pi   = 2.5066282746310002 // sqrt(2*pi)
	log2Pi    = 1.8378770664093453 // log(2*pi)
)

var (
	ep128 = math.Ldexp(1, e128)
	em128 = math.Ldexp(1, -e128)
)

// KolmogorovSF returns the survival function of the Kolmogorov limiting
// distribution, P(sqrt(n)·D_n > x) as n → ∞ (scipy.stats.kstwobign.sf,
// scipy.special.kolmogorov). It is 1 for x ≤ 0 and NaN for NaN.
//
// ks_2samp does not use it (it uses KSTwoSF); it is the classical large-sample
// approximation and is provided for callers that want it.
func KolmogorovSF(x float64) float64 {
	if math.IsNaN(x) {
		return math.NaN()
	}
	if x <= math.Pi/math.Sqrt(-(-708-38)*8) { // includes x <= 0
		return 1
	}
	var sf float64
	if x <= 0.82 {
		// P = w*u*(1 + u^8 + u^24 + ...), u = exp(-pi^2/(8x^2)), w = sqrt(2pi)/x.
		w := sqrt2Pi / x
		logu8 := -math.Pi * math.Pi / (x * x)
		u := math.Exp(logu8 / 8)
		var p float64
		if u == 0 {
			p = math.Exp(logu8/8 + math.Log(w))
		} else {
			u8 := math.Exp(logu8)
			u8cub := math.Pow(u8, 3)
			p = 1.0
			p = 1 + u8cub*p
			p = 1 + u8*u8*p
			p = 1 + u8*p
			p = w * u * p
		}
		sf = 1 - p
	} else {
		// P = 2v(1 - v^3(1 - v^5(1 - v^7))), v = exp(-2x^2).
		v := math.Exp(-2 * x * x)
		vsq := v * v
		v3 := math.Pow(v, 3)
		p := 1.0
		p = 1 - v3*v3*v*p
		p = 1 - v3*vsq*p
		p = 1 - v3*p
		sf = 2 * v * p
	}
	return clip01(sf)
}

// KSTwoSF returns the survival function P(D_n > x) of the two-sided
// one-sample Kolmogorov–Smirnov statistic D_n for a sample of size n
// (scipy.stats.kstwo.sf(x, n)). It returns NaN when n < 1 or x is NaN.
//
// The algorithm is SciPy's choice among the exact Ruben–Gambino formulas, the
// Durbin matrix (Marsaglia–Tsang–Wang), Pomeranz's recursion, twice the
// one-sided Smirnov probability and the Pelz–Good expansion, by n and n·x².
func KSTwoSF(x float64, n int) float64 {
	if n <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x >= 1 {
		return 0
	}
	if x <= 0 {
		return 1
	}
	nf := float64(n)
	t := nf * x
	if t <= 1 {
		if t <= 0.5 {
			return 1
		}
		var prob float64
		if n <= 140 {
			prob = 1
			c := 2*t - 1
			for i := 1; i <= n; i++ {
				prob *= float64(i) * (1.0 / nf) * c
			}
		} else {
			prob = math.Exp(logNFactorialDivNPowN(nf) + nf*math.Log(2*t-1))
		}
		return clip01(1 - prob)
	}
	if t >= nf-1 {
		return clip01(2 * math.Pow(1-x, nf))
	}
	if x >= 0.5 {
		return clip01(2 * smirnovSF(n, x))
	}
	nxsq := t * x
	if n <= 140 {
		if nxsq <= 0.754693 {
			return clip01(1 - kolmogDMTW(n, x))
		}
		if nxsq <= 4 {
			return clip01(1 - kolmogPomeranz(n, x))
		}
		return clip01(2 * smirnovSF(n, x))
	}
	if nxsq >= 370 {
		return 0
	}
	if nxsq >= 2.2 {
		return clip01(2 * smirnovSF(n, x))
	}
	var cdf float64
	if n <= 100000 && nf*math.Pow(x, 1.5) <= 1.4 {
		cdf = kolmogDMTW(n, x)
	} else {
		cdf = kolmogPelzGood(n, x)
	}
	return clip01(1 - cdf)
}

func clip01(p float64) float64 {
	if p < 0 {
		return 0
	}
	if p > 1 {
		return 1
	}
	return p
}

var stirlingCoeffs = [...]float64{-2.955065359477124183e-2, 6.4102564102564102564e-3,
	-1.9175269175269175269e-3, 8.4175084175084175084e-4,
	-5.952380952380952381e-4, 7.9365079365079365079e-4,
	-2.7777777777777777778e-3, 8.3333333333333333333e-2}

// logNFactorialDivNPowN is log(n!/n^n) by Stirling's series.
func logNFactorialDivNPowN(n float64) float64 {
	rn := 1.0 / n
	z := rn / n
	poly := 0.0
	for _, c := range stirlingCoeffs { // Horner, as numpy.polyval
		poly = float64(poly*z) + c
	}
	return math.Log(n)/2 - n + log2Pi/2 + rn*poly
}

// kolmogDMTW is P(D_n <= d) by the Durbin matrix method with
// Marsaglia–Tsang–Wang scaling.
func kolmogDMTW(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	nd := float64(n) * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		v[j-1] = 1 - math.Pow(h, float64(j))
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] *= fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac
	H := make([]float64, m*m)
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H[r*m+i] = w[r-(i-1)]
		}
	}
	for r := 0; r < m; r++ {
		H[r*m] = v[r]
	}
	for c := 0; c < m; c++ {
		H[(m-1)*m+c] = v[m-1-c]
	}
	P := make([]float64, m*m)
	for i := 0; i < m; i++ {
		P[i*m+i] = 1
	}
	tmp := make([]float64, m*m)
	expnt, hexpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			matMul(tmp, P, H, m)
			P, tmp = tmp, P
			expnt += hexpnt
		}
		matMul(tmp, H, H, m)
		H, tmp = tmp, H
		hexpnt *= 2
		if math.Abs(H[(k-1)*m+k-1]) > ep128 {
			for i := range H {
				H[i] /= ep128
			}
			hexpnt += e128
		}
	}
	p := P[(k-1)*m+k-1]
	for i := 1; i <= n; i++ {
		p = float64(i) * p / float64(n)
		if math.Abs(p) < em128 {
			p *= ep128
			expnt -= e128
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

// matMul sets dst = a·b for m×m row-major matrices.
func matMul(dst, a, b []float64, m int) {
	for i := range dst {
		dst[i] = 0
	}
	for i := 0; i < m; i++ {
		row := dst[i*m : i*m+m]
		for l := 0; l < m; l++ {
			ail := a[i*m+l]
			if ail == 0 {
				continue
			}
			bl := b[l*m : l*m+m]
			for j := range row {
				row[j] += ail * bl[j]
			}
		}
	}
}

func pomeranzJ1J2(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		ip1div2, ip1mod2 := (i+1)/2, (i+1)%2
		if ip1mod2 == 0 {
			if ip1div2 == n+1 {
				j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
			} else {
				j1, j2 = ip1div2-1-ll-roundf-1, ip1div2+ll-1+ceilf-1
			}
		} else {
			j1, j2 = ip1div2-1-ll-1, ip1div2+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// kolmogPomeranz is P(D_n <= x) by Pomeranz's recursion.
func kolmogPomeranz(n int, x float64) float64 {
	nf := float64(n)
	t := nf * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	gpower := make([]float64, npwrs)
	twogpower := make([]float64, npwrs)
	onem2gpower := make([]float64, npwrs)
	gpower[0], twogpower[0], onem2gpower[0] = 1, 1, 1
	expnt := 0
	gn, g2n, om2gn := g/nf, 2*g/nf, (1-2*g)/nf
	for m := 1; m < npwrs; m++ {
		gpower[m] = gpower[m-1] * gn / float64(m)
		twogpower[m] = twogpower[m-1] * g2n / float64(m)
		onem2gpower[m] = onem2gpower[m-1] * om2gn / float64(m)
	}
	V0 := make([]float64, npwrs)
	V1 := make([]float64, npwrs)
	V1[0] = 1
	V0s, V1s := 0, 0
	j1, j2 := pomeranzJ1J2(0, n, ll, ceilf, roundf)
	for i := 1; i < 2*n+2; i++ {
		k1 := j1
		V0, V1 = V1, V0
		V0s, V1s = V1s, V0s
		for c := range V1 {
			V1[c] = 0
		}
		j1, j2 = pomeranzJ1J2(i, n, ll, ceilf, roundf)
		var pwrs []float64
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpower
		case i%2 == 1:
			pwrs = twogpower
		default:
			pwrs = onem2gpower
		}
		ln2 := j2 - k1 + 1
		if ln2 > 0 {
			lo := k1 - V0s
			hi := min(lo+ln2, len(V0))
			a := V0[lo:hi]
			b := pwrs[:min(ln2, len(pwrs))]
			convStart := j1 - k1
			convLen := j2 - j1 + 1
			vmax := 0.0
			for c := 0; c < convLen; c++ {
				idx := convStart + c
				s := 0.0
				for jj := max(0, idx-len(b)+1); jj <= min(idx, len(a)-1); jj++ {
					s += a[jj] * b[idx-jj]
				}
				V1[c] = s
				vmax = math.Max(vmax, s)
			}
			if 0 < vmax && vmax < em128 {
				for c := range V1 {
					V1[c] *= ep128
				}
				expnt -= e128
			}
			V1s = V0s + j1 - k1
		}
	}
	ans := V1[n-V1s]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > ep128 {
			ans *= em128
			expnt += e128
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// kolmogPelzGood is the Pelz–Good approximation of P(D_n <= x).
func kolmogPelzGood(n int, x float64) float64 {
	if x <= 0 {
		return 0
	}
	if x >= 1 {
		return 1
	}
	const pi2 = math.Pi * math.Pi
	const pi4 = pi2 * pi2
	const pi6 = pi4 * pi2
	nf := float64(n)
	z := math.Sqrt(nf) * x
	z2, z3, z4, z6 := z*z, z*z*z, z*z*z*z, math.Pow(z, 6)
	qlog := -pi2 / 8 / z2
	if qlog < maxLogExp {
		return 0
	}
	q := math.Exp(qlog)
	k1a := -z2
	k1b := pi2 / 4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * pi2 / 4
	k2c := pi4 * (1 - 2*z2) / 16
	k3d := pi6 * (5 - 30*z2) / 64
	k3c := pi4 * (-60*z2 + 212*z4) / 16
	k3b := pi2 * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*math.Pow(z, 8)
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		m2, m4, m6 := m*m, m*m*m*m, math.Pow(m, 6)
		qp := math.Pow(q, float64(8*k))
		c := [4]float64{1, k1a + k1b*m2, k2a + k2b*m2 + k2c*m4, k3a + k3b*m2 + k3c*m4 + k3d*m6}
		for i := range K {
			K[i] = K[i]*qp + c[i]
		}
	}
	div := [4]float64{z, 6 * z4, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] *= q
		K[i] *= sqrt2Pi
		K[i] /= div[i]
	}
	q = math.Exp(-pi2 / 2 / z2)
	sqrt3z := math.Sqrt(3) * z
	var k2extra, k3extra float64
	for k := maxk; k > 0; k-- {
		kf := float64(k)
		ksq := kf * kf
		qp := math.Pow(q, ksq)
		kspi := math.Pi * kf
		k2extra += ksq * qp
		k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp
	}
	k2extra *= pi2 * sqrt2Pi / (-36 * z3)
	k3extra *= pi2 * sqrt2Pi / (216 * z6)
	K[2] += k2extra
	K[3] += k3extra
	sum := 0.0
	for i := range K {
		sum += K[i] / math.Pow(nf, float64(i)/2)
	}
	return sum
}

// smirnovSF is the one-sided Smirnov survival function P(D_n^+ > x)
// (scipy.special.smirnov), by the Birnbaum–Tingey sum evaluated term by term
// in log space. SciPy sums in double-double; this float64 version agrees to
// about 1e-10 relative for n up to 10^6.
func smirnovSF(n int, x float64) float64 {
	if !(n > 0 && x >= 0 && x <= 1) {
		return math.NaN()
	}
	if n == 1 {
		return 1 - x
	}
	if x == 0 {
		return 1
	}
	if x == 1 {
		return 0
	}
	nf := float64(n)
	nx := nf * x
	nxfl := math.Floor(nx)
	alpha := nx - nxfl
	if nxfl == 0 || (nxfl == 1 && alpha == 0) {
		return 1 - x*math.Pow(1+x, nf-1)
	}
	if -2*nf*x*x < minLogExp {
		return 0
	}
	if nxfl >= nf-1 {
		return math.Pow(1-x, nf)
	}
	if n > 1000000 {
		a := 6*nf*x + 1
		logp := -a * a / 18.0 / nf
		if logp < -math.Ln2 {
			return math.Exp(logp)
		}
		return 1 - (-math.Expm1(logp))
	}
	last := n - int(nxfl) - 1 // largest v with x + v/n < 1
	nTerms := last + 1
	// Each term is exp(log C(n,v) + (v-1)·log(x+v/n) + (n-v)·log1p(-x-v/n)).
	// The parts are ~n in size while their sum is small, so log C is carried
	// as a double-double and the parts are added with error-free
	// transformations: the float64 version loses ~1e-9 at n = 10^5.
	sum := 0.0
	var logCHi, logCLo float64
	for v := 0; v < nTerms; v++ {
		vf := float64(v)
		evn := x + vf/nf
		if 1-evn > 0 {
			l1, l2 := math.Log(evn), math.Log1p(-evn)
			p1 := (vf - 1) * l1
			e1 := math.FMA(vf-1, l1, -p1)
			p2 := (nf - vf) * l2
			e2 := math.FMA(nf-vf, l2, -p2)
			s1, es1 := twoSum(logCHi, p1)
			s2, es2 := twoSum(s1, p2)
			t := s2 + (logCLo + e1 + e2 + es1 + es2)
			if t > -745.2 {
				a := math.Exp(t)
				sum += a
				if 4*float64(nTerms-v)*a < dblEpsilon*sum && v != nTerms-1 {
					break
				}
			} else if v > n/2 {
				break
			}
		}
		var e float64
		logCHi, e = twoSum(logCHi, math.Log(float64(n-v)/(vf+1)))
		logCLo += e
	}
	return clip01(x * sum)
}

const dblEpsilon = 2.220446049250313e-16

// twoSum returns s = fl(a+b) and the exact rounding error e, a+b = s+e.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}
